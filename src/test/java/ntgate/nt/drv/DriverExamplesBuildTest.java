package ntgate.nt.drv;

import ntgate.cli.CliRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The .sys and .exe files in examples/drivers are committed so that the suite needs no cross compiler; where
 * MinGW is installed this rebuilds them from the sources with the directory's Makefile (in a copy, with the
 * ntdll.def that {@code ntgate exports --def} prints) and checks the committed files are byte for byte what the
 * sources give (the Makefile links with --no-insert-timestamp, so builds are reproducible).
 */
class DriverExamplesBuildTest {
    static final Path DIR = Path.of("examples/drivers");

    @TempDir
    Path tmp;

    static boolean have(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theCommittedBinariesAreWhatTheSourcesBuild() throws Exception {
        Assumptions.assumeTrue(have("i686-w64-mingw32-gcc") && have("make"),
                "i686-w64-mingw32-gcc or make is not installed (apt-get install gcc-mingw-w64-i686 make): not rebuilding examples/drivers");
        Path src = tmp.resolve("examples/drivers");
        Files.createDirectories(src);
        List<String> built = new ArrayList<>();
        try (var files = Files.list(DIR)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".c") || n.endsWith(".h") || n.equals("Makefile")) Files.copy(f, src.resolve(n));
                if (n.endsWith(".sys") || n.endsWith(".exe")) built.add(n);
            }
        }
        Files.copy(Path.of("examples/ntgate.h"), tmp.resolve("examples/ntgate.h"));
        CliRun def = CliRun.of("exports", "--def");
        assertEquals(0, def.exit(), def.err());
        Files.writeString(src.resolve("ntdll.def"), def.out(), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("make", "-C", src.toString(), "NTGATE=false").redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "make timed out");
        assertEquals(0, p.exitValue(), log);
        assertTrue(built.size() >= 6, "committed binaries: " + built);
        for (String n : built) {
            assertArrayEquals(Files.readAllBytes(DIR.resolve(n)), Files.readAllBytes(src.resolve(n)),
                    n + " is not what its source builds: run make -C examples/drivers and commit the result");
        }
    }
}
