package ntgate.cli;

import ntgate.asm.Lang;
import picocli.CommandLine;

/** {@code --lang en|zh}: the language of the gate's annotations (trace, debugger, demo, report). */
final class LangOption implements CommandLine.ITypeConverter<Lang> {
    static final String DESCRIPTION = "Language of the annotations: en (default) or zh (Chinese).";

    @Override
    public Lang convert(String value) {
        Lang l = Lang.of(value);
        if (l == null) throw new CommandLine.TypeConversionException("unknown language '" + value + "' (expected en or zh)");
        return l;
    }

    /** A stream that prints {@code lang}'s text whatever the platform's encoding is (UTF-8 for Chinese). */
    static java.io.PrintStream stream(java.io.OutputStream out, Lang lang) {
        return lang == Lang.EN && out instanceof java.io.PrintStream ps ? ps
                : new java.io.PrintStream(out, false, java.nio.charset.StandardCharsets.UTF_8);
    }
}
