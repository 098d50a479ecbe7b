package ntgate.cpu.exec;

import ntgate.cpu.Run;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CPUID and RDTSC basics (SDM Vol.2A CPUID, Vol.2B RDTSC) at CPL 3. */
class CpuidRdtscTest {
    @Test
    void vendorAndFeatures() {
        // Leaf 0: EAX = highest basic leaf (at least 1), vendor in EBX, EDX, ECX.
        Run r = Run.code("0f a2").reg("eax", 0).go().expectNoFault();
        assertTrue(r.reg("eax") >= 1, "highest basic leaf");
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(r.reg("ebx")).putInt(r.reg("edx")).putInt(r.reg("ecx"));
        assertEquals("GenuineIntel", new String(b.array(), StandardCharsets.US_ASCII));
        // Leaf 1: the features ntgate implements are announced, the x87 FPU (bit 0) among them.
        Run f = Run.code("0f a2").reg("eax", 1).go();
        int edx = f.reg("edx");
        assertEquals(1, edx & 1, "FPU");
        assertEquals(1 << 4, edx & 1 << 4, "TSC");
        assertEquals(1 << 8, edx & 1 << 8, "CX8 (CMPXCHG8B)");
        assertEquals(1 << 11, edx & 1 << 11, "SEP (SYSENTER)");
        assertEquals(1 << 15, edx & 1 << 15, "CMOV");
        assertEquals(1 << 23, edx & 1 << 23, "MMX");
        assertEquals(0, edx & (1 << 24 | 1 << 25 | 1 << 26), "no FXSR, SSE, SSE2");
        assertEquals(6, (f.reg("eax") >>> 8) & 0xF, "family 6");
    }

    @Test
    void rdtscCountsUp() {
        // RDTSC twice with three instructions between: EDX:EAX grows; both reads at CPL 3 (CR4.TSD = 0).
        Run r = Run.code("0f 31 89 c6 89 d7 90 90 0f 31").go().expectNoFault();
        long first = (r.reg("edi") & 0xFFFFFFFFL) << 32 | (r.reg("esi") & 0xFFFFFFFFL);
        long second = (r.reg("edx") & 0xFFFFFFFFL) << 32 | (r.reg("eax") & 0xFFFFFFFFL);
        assertTrue(second > first, "TSC increases: " + first + " then " + second);
    }
}
