package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Property: random code run in ring 0 and ring 3, with random descriptor tables, IDT gates, TSS stacks, EFLAGS
 * and debug registers, ends only in delivered exceptions, a triple fault, a halt or the instruction budget;
 * never in a Java exception. Seeds are fixed so a failure is reproducible.
 */
class RandomSystemPropertyTest {
    static final int TRIALS = 100;

    @Test
    void randomSystemStateNeverCrashesTheEmulator() {
        for (int trial = 0; trial < TRIALS; trial++) {
            long seed = 0x5EED0000L + trial;
            try {
                runOne(new Random(seed), (trial & 1) == 0);
            } catch (RuntimeException | StackOverflowError e) {
                fail("seed 0x" + Long.toHexString(seed) + ": " + e, e);
            }
        }
    }

    private static void runOne(Random r, boolean kernel) {
        SysMachine m = new SysMachine(kernel);
        if (kernel) m.ring0(CODE);
        else m.ring3(CODE);
        // Random descriptors at 0x48..0xF8, some of them plausible.
        for (int sel = 0x48; sel < 0x100; sel += 8) {
            if (r.nextBoolean()) {
                m.put32(GDT + sel, r.nextInt());
                m.put32(GDT + sel + 4, r.nextInt());
            } else {
                int[] rights = {CODE0, DATA0, CODE3, DATA3, 0x409700, 0xC09F00, 0x008900};
                m.gdt(sel, r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(0x800000), r.nextInt(0x100000),
                        rights[r.nextInt(rights.length)] ^ (r.nextInt(8) == 0 ? 0x8000 : 0));
            }
        }
        // IDT: a mix of valid gates, random gates and holes.
        int[] sels = {0x08, 0x18, 0x10, 0x48, 0x50, 0x00, TSS_SEL};
        for (int v = 0; v < 256; v++) {
            switch (r.nextInt(4)) {
                case 0 -> { }
                case 1 -> {
                    m.put32(IDT + v * 8, r.nextInt());
                    m.put32(IDT + v * 8 + 4, r.nextInt());
                }
                default -> {
                    int[] types = {INT32, TRAP32, INT16, TRAP16, TASK};
                    int target = r.nextInt(4) == 0 ? r.nextInt() : HANDLERS + r.nextInt(0x1000);
                    m.gate(v, types[r.nextInt(types.length)], sels[r.nextInt(sels.length)], target, r.nextInt(4),
                            r.nextInt(10) != 0);
                }
            }
        }
        if (r.nextInt(4) == 0) m.st.idtrLimit = r.nextInt(0x800);
        if (r.nextInt(4) == 0) m.put32(TSS + 4, r.nextInt());
        if (r.nextInt(4) == 0) m.put32(TSS + 8, r.nextInt(0x100));
        byte[] code = new byte[0x1000];
        r.nextBytes(code);
        m.cpu.hostWrite(CODE, code, 0, code.length);
        byte[] handlers = new byte[0x1000];
        r.nextBytes(handlers);
        m.cpu.hostWrite(HANDLERS, handlers, 0, handlers.length);
        for (int i = 0; i < 8; i++) m.cpu.gpr[i] = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(0x01000000);
        m.cpu.gpr[4] = kernel ? KSTACK - r.nextInt(0x100) : 0x00F00000;
        int eflags = 0x202 | (r.nextInt(4) == 0 ? 0x100 : 0) | (r.nextInt(4) == 0 ? 0x3000 : 0);
        m.st.setEflags(eflags);
        if (r.nextInt(4) == 0) {
            for (int i = 0; i < 4; i++) m.st.dr[i] = r.nextInt(3) == 0 ? r.nextInt() : CODE + r.nextInt(0x1000);
            m.st.dr[7] = r.nextInt();
            m.cpu.debugRegistersChanged();
        }
        m.st.sysenterCs = r.nextBoolean() ? 0x08 : r.nextInt(0x100);
        m.st.sysenterEsp = KSTACK;
        m.st.sysenterEip = HANDLERS + r.nextInt(0x1000);
        for (int round = 0; round < 20; round++) {
            Cpu.Stop s = m.run(500);
            if (s == Cpu.Stop.TRIPLE_FAULT) return;
            if (s == Cpu.Stop.HALT) continue;   // a halt in ring 0: carry on after it
            if (s == Cpu.Stop.BUDGET) continue;
            assertNotEquals(Cpu.Stop.FAULT, s, "faults are delivered");
        }
    }
}
