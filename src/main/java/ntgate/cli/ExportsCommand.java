package ntgate.cli;

import ntgate.ntdll.NtdllExports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code ntgate exports [--def]}: ntdll's export list, for building import libraries (examples/README.md). */
@Command(name = "exports", mixinStandardHelpOptions = true,
        description = {"List ntgate's ntdll.dll exports: ordinal, name and stdcall argument bytes.",
            "With --def, print a module-definition file for 'i686-w64-mingw32-dlltool -k -d ntdll.def -l libntdll.a'."})
public final class ExportsCommand implements Callable<Integer> {
    @Option(names = "--def", description = "Print a .def file instead of the table.")
    boolean def;

    @Override
    public Integer call() {
        if (def) {
            System.out.print(NtdllExports.def());
        } else {
            for (NtdllExports.Export e : NtdllExports.list()) {
                System.out.printf("%4d  %-40s %s%n", e.ordinal(), e.name(), e.argBytes() >= 0 ? e.argBytes() + " bytes" : "");
            }
        }
        return 0;
    }
}
