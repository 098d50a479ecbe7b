package ntgate.nt.robust;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The gate and random-code fuzzers (issue 17). {@code mvn verify} runs a short seeded run of each; the long run
 * (at least 1,000,000 system calls and 100,000 random-code programs) runs with {@code -Dntgate.fuzz.long=true},
 * e.g. {@code mvn -B test -Dtest=GateFuzzTest -Dntgate.fuzz.long=true}; {@code -Dntgate.fuzz.seed=N} picks the
 * seed, {@code -Dntgate.fuzz.calls=N} and {@code -Dntgate.fuzz.programs=N} the counts (the figures of each run are
 * printed, and every 20,000 cases in the long run).
 */
class GateFuzzTest {
    static final boolean LONG = Boolean.getBoolean("ntgate.fuzz.long");
    static final long SEED = Long.getLong("ntgate.fuzz.seed", 17L);

    @Test
    void systemCallsFromAHostileUserKeepTheGatesInvariants() {
        GateFuzz f = new GateFuzz(SEED);
        f.progress = LONG;
        GateFuzz.Report r = f.run(Long.getLong("ntgate.fuzz.calls", LONG ? 1_000_000 : 3_000), 0);
        System.out.println("gate fuzz, seed " + SEED + ": " + r);
        assertNull(r.failure, r.toString());
    }

    @Test
    void randomUserCodeNeverBugChecksTheKernel() {
        GateFuzz f = new GateFuzz(SEED + 1);
        f.progress = LONG;
        GateFuzz.Report r = f.run(0, Long.getLong("ntgate.fuzz.programs", LONG ? 100_000 : 300));
        System.out.println("random-code fuzz, seed " + (SEED + 1) + ": " + r);
        assertNull(r.failure, r.toString());
    }
}
