package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ntgate.cpu.Cpu;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.Test;

/** The trap entries on the CPU: user-mode faults reach KiDispatchException with XP's codes; kernel faults bug-check. */
class GateTrapsTest {
    static final int FRAME = GateRig.INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;

    static GateRig runUser(String... lines) throws Exception {
        GateRig rig = new GateRig(String.join("\n", lines), null);
        rig.run();
        return rig;
    }

    static void assertUserException(GateRig rig, int code, int address, int... parameters) {
        assertEquals(-1, rig.bugCheck, "bug check");
        assertEquals(Cpu.Stop.BREAK, rig.stop);
        assertEquals(code, rig.exceptionCode);
        assertEquals(address, rig.exceptionAddress);
        assertEquals(Nt.UserMode, rig.exceptionMode);
        assertEquals(FRAME, rig.exceptionFrame, "the frame sits at InitialStack - 29Ch");
        assertArrayEquals(parameters, rig.exceptionParameters);
        assertEquals(Nt.USER_CS, rig.rd(FRAME + GateRig.off("KTRAP_FRAME.SegCs")));
        assertEquals(Nt.TRAP_FRAME_MARKER, rig.rd(FRAME + GateRig.off("KTRAP_FRAME.DbgArgMark")));
    }

    @Test
    void userDivideByZeroIsStatusIntegerDivideByZero() throws Exception {
        GateRig rig = runUser("start:", "    xor ecx, ecx", "    div ecx");
        assertUserException(rig, 0xC0000094, GateRig.USER + 2);
    }

    @Test
    void userInvalidOpcodeIsStatusIllegalInstruction() throws Exception {
        GateRig rig = runUser("start:", "    nop", "    ud2");
        assertUserException(rig, 0xC000001D, GateRig.USER + 1);
    }

    @Test
    void userPageFaultIsTheInternalAccessViolationWithReadFlagAndAddress() throws Exception {
        GateRig rig = runUser("start:", "    mov eax, [0x10]");
        assertUserException(rig, 0x10000004, GateRig.USER, 0, 0x10);
        GateRig w = runUser("start:", "    mov dword [0x20], 1");
        assertUserException(w, 0x10000004, GateRig.USER, 1, 0x20);
    }

    @Test
    void userGeneralProtectionIsAnAccessViolation() throws Exception {
        GateRig rig = runUser("start:", "    cli");
        assertUserException(rig, 0xC0000005, GateRig.USER, 0, 0xFFFFFFFF);
    }

    @Test
    void userBreakpointReportsTheInt3Address() throws Exception {
        GateRig rig = runUser("start:", "    nop", "    int3");
        assertUserException(rig, 0x80000003, GateRig.USER + 1, 0);
    }

    @Test
    void aKernelPageFaultOnASystemAddressIsBugCheck50() throws Exception {
        GateRig rig = runUser("start:", "    push 0xC1000000", "    mov edx, esp", "    mov eax, 4", "    int 0x2E", "    int3");
        assertEquals(0x50, rig.bugCheck);
        assertEquals(0xC1000000, rig.bugCheckParameters[0]);
        assertEquals(0, rig.bugCheckParameters[1], "a read");
        assertEquals(rig.sym(rig.tables, "TestRead") + 4, rig.bugCheckParameters[2], "the faulting EIP");
    }

    @Test
    void aKernelPageFaultOnAUserAddressIsBugCheck8E() throws Exception {
        GateRig rig = runUser("start:", "    push 0x10", "    mov edx, esp", "    mov eax, 4", "    int 0x2E", "    int3");
        assertEquals(0x8E, rig.bugCheck);
        assertEquals(0xC0000005, rig.bugCheckParameters[0]);
        assertEquals(rig.sym(rig.tables, "TestRead") + 4, rig.bugCheckParameters[1]);
    }
}
