package ntgate.asm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the real NASM ({@code nasm -f bin}) and compares its bytes with ours, line by line on mismatch. */
final class AsmNasm {
    private AsmNasm() {}

    private static Boolean available;

    /** True when {@code nasm} runs. */
    static synchronized boolean available() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder("nasm", "-v").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                available = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        return available;
    }

    /** NASM's output for one source: the image, the bytes per source line (from its listing) and its messages. */
    record Output(byte[] image, Map<Integer, String> lineHex, String messages, int exit) {}

    static Output run(String source, String name) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ntgate-nasm");
        try {
            Path src = dir.resolve(name), bin = dir.resolve("out.bin"), lst = dir.resolve("out.lst");
            Files.writeString(src, source, StandardCharsets.ISO_8859_1);
            Process p = new ProcessBuilder("nasm", "-f", "bin", "-o", bin.toString(), "-l", lst.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String msgs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nasm timed out");
            }
            byte[] img = Files.exists(bin) ? Files.readAllBytes(bin) : new byte[0];
            Map<Integer, String> hex = new HashMap<>();
            if (Files.exists(lst)) {
                Pattern pat = Pattern.compile("^\\s*(\\d+)\\s+[0-9A-F]{8}\\s+([0-9A-F\\[\\]()]+)");
                for (String l : Files.readAllLines(lst, StandardCharsets.ISO_8859_1)) {
                    Matcher m = pat.matcher(l);
                    if (m.find()) hex.merge(Integer.parseInt(m.group(1)), m.group(2).replaceAll("[\\[\\]()]", ""), String::concat);
                }
            }
            return new Output(img, hex, msgs, p.exitValue());
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02X", x & 0xFF));
        return sb.toString();
    }

    /** The source lines where NASM and we disagree, as readable text (empty when the images are equal). */
    static List<String> differences(String source, Output nasm, AsmResult ours) {
        List<String> out = new ArrayList<>();
        if (java.util.Arrays.equals(nasm.image(), ours.image())) return out;
        Map<Integer, String> mine = new HashMap<>();
        for (AsmRecord r : ours.records()) mine.merge(r.line(), hex(r.bytes()), String::concat);
        String[] lines = source.split("\n", -1);
        for (int i = 1; i <= lines.length; i++) {
            String a = nasm.lineHex().getOrDefault(i, ""), b = mine.getOrDefault(i, "");
            if (!a.equals(b)) out.add(i + ": " + lines[i - 1].strip() + "   nasm=" + a + " ours=" + b);
        }
        if (out.isEmpty()) out.add("images differ (nasm " + nasm.image().length + " bytes, ours " + ours.image().length + ") but every line agrees: layout");
        return out;
    }
}
