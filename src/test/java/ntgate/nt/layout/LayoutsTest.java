package ntgate.nt.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Offsets worked out by hand from NT-FACTS.md; each test cites its section. */
class LayoutsTest {

    @Test
    void ktrapFrameMatchesSection1() {
        Struct t = Layouts.KTRAP_FRAME;
        assertEquals(0x8C, t.size());
        assertEquals(0x08, t.offset("DbgArgMark"));
        assertEquals(0x2C, t.offset("Dr7"));
        assertEquals(0x3C, t.offset("Edx"));
        assertEquals(0x48, t.offset("PreviousPreviousMode"));
        assertEquals(0x4C, t.offset("ExceptionList"));
        assertEquals(0x64, t.offset("ErrCode"));
        assertEquals(0x68, t.offset("Eip"));
        assertEquals(0x6C, t.offset("SegCs"));
        assertEquals(0x70, t.offset("EFlags"));
        // §1 table: HardwareEsp 0x74, HardwareSegSs 0x78, V86Es 0x7C.
        assertEquals(0x74, t.offset("HardwareEsp"));
        assertEquals(0x78, t.offset("HardwareSegSs"));
        assertEquals(0x7C, t.offset("V86Es"));
        assertEquals(0x88, t.offset("V86Gs"));
        assertEquals(35, t.fields().size(), "every dword of 0x00..0x8C is a field");
    }

    @Test
    void kpcrAndPrcbMatchSection2_3() {
        Struct p = Layouts.KPCR;
        assertEquals(0xD70, p.size());
        assertEquals(0x00, p.offset("NtTib.ExceptionList"));
        assertEquals(0x18, p.offset("NtTib.Self"));
        assertEquals(0x1C, p.offset("SelfPcr"));
        assertEquals(0x20, p.offset("Prcb"));
        assertEquals(0x40, p.offset("TSS"));
        assertEquals(0x50, p.offset("DebugActive"));
        assertEquals(0x120, p.offset("PrcbData"));
        assertEquals(0x124, p.offset("PrcbData.CurrentThread"));
        assertEquals(0x638, p.offset("PrcbData.KeSystemCalls"));
        assertEquals(0x988, p.offset("PrcbData.DpcStack"));
        // 0x120 + 0x1C + 0x2CC + 0x10 = 0x418; KernelDr7 = 0x42C.
        assertEquals(0x418, p.offset("PrcbData.ProcessorState.SpecialRegisters.KernelDr0"));
        assertEquals(0x42C, p.offset("PrcbData.ProcessorState.SpecialRegisters.KernelDr7"));
        assertEquals(0x518, Layouts.KPRCB.offset("KeSystemCalls"));
        assertEquals(0x2F8, Layouts.KPRCB.offset("ProcessorState.SpecialRegisters.KernelDr0"));
    }

    @Test
    void kthreadMatchesSection2_5() {
        Struct k = Layouts.KTHREAD;
        assertEquals(0x1C0, k.size());
        assertEquals(0x018, k.offset("InitialStack"));
        assertEquals(0x02C, k.offset("DebugActive"));
        assertEquals(0x02E, k.offset("Alerted"));
        assertEquals(0x034, k.offset("ApcState"));
        assertEquals(0x044, k.offset("ApcState.Process"));
        assertEquals(0x048, k.offset("ApcState.KernelApcInProgress"));
        assertEquals(0x04A, k.offset("ApcState.UserApcPending"));
        assertEquals(0x0E0, k.offset("ServiceTable"));
        assertEquals(0x12C, k.offset("CallbackStack"));
        assertEquals(0x130, k.offset("Win32Thread"));
        assertEquals(0x134, k.offset("TrapFrame"));
        assertEquals(0x140, k.offset("PreviousMode"));
        assertEquals(1, k.field("PreviousMode").size());
        assertEquals(0x164, k.offset("Alertable"));
        assertEquals(0x1B0, k.offset("ThreadListEntry"));
        assertEquals(0x258, Layouts.ETHREAD.size());
        assertEquals(0x1EC, Layouts.ETHREAD.offset("Cid"));
        assertEquals(0x220, Layouts.ETHREAD.offset("ThreadsProcess"));
        assertEquals(0x134, Layouts.ETHREAD.offset("Tcb.TrapFrame"));
        assertEquals(0x30, Layouts.KAPC.size());
        assertEquals(0x0C, Layouts.KAPC.offset("ApcListEntry"));
        assertEquals(0x2E, Layouts.KAPC.offset("Inserted"));
    }

    @Test
    void tebPebSharedDataMatchSections2_6And2_7() {
        assertEquals(0x00, Layouts.TEB.offset("NtTib.ExceptionList"));
        assertEquals(0x18, Layouts.TEB.offset("NtTib.Self"));
        assertEquals(0x20, Layouts.TEB.offset("ClientId"));
        assertEquals(0x24, Layouts.TEB.offset("ClientId.UniqueThread"));
        assertEquals(0x30, Layouts.TEB.offset("ProcessEnvironmentBlock"));
        assertEquals(0xF70, Layouts.TEB.offset("GdiBatchCount"));
        assertEquals(0x2C, Layouts.PEB.offset("KernelCallbackTable"));
        assertEquals(0x2F8, Layouts.KUSER_SHARED_DATA.offset("TestRetInstruction"));
        assertEquals(0x300, Layouts.KUSER_SHARED_DATA.offset("SystemCall"));
        assertEquals(0x304, Layouts.KUSER_SHARED_DATA.offset("SystemCallReturn"));
        assertEquals(0x330, Layouts.KUSER_SHARED_DATA.offset("Cookie"));
    }

    @Test
    void contextTssAndDescriptorMatchSections2_4_2_8_4_2() {
        assertEquals(0x2CC, Layouts.CONTEXT.size());
        assertEquals(0x1C, Layouts.CONTEXT.offset("FloatSave"));
        assertEquals(0x70, Layouts.FLOATING_SAVE_AREA.size());
        assertEquals(0xB8, Layouts.CONTEXT.offset("Eip"));
        assertEquals(0xC4, Layouts.CONTEXT.offset("Esp"));
        assertEquals(0xCC, Layouts.CONTEXT.offset("ExtendedRegisters"));
        assertEquals(0x50, Layouts.EXCEPTION_RECORD.size());
        assertEquals(0x20AC, Layouts.KTSS.size());
        assertEquals(0x04, Layouts.KTSS.offset("Esp0"));
        assertEquals(0x66, Layouts.KTSS.offset("IoMapBase"));
        assertEquals(16, Layouts.KSERVICE_TABLE_DESCRIPTOR.size());
        assertEquals(0x08, Layouts.KSERVICE_TABLE_DESCRIPTOR.offset("Limit"));
        assertEquals(0x0C, Layouts.KSERVICE_TABLE_DESCRIPTOR.offset("Number"));
        assertEquals(0x18, Layouts.KAPC_STATE.size());
    }

    @Test
    void calloutFrameOfSection9() {
        assertEquals(0x28, Layouts.KCALLOUT_FRAME.size());
        assertEquals(0x08, Layouts.KCALLOUT_FRAME.offset("CallbackStack"));
        assertEquals(0x1C, Layouts.KCALLOUT_FRAME.offset("ReturnAddress"));
    }

    @Test
    void stackGeometryOfSection2_9() {
        assertEquals(0x220, Nt.ESP0_BIAS);
        assertEquals(0x29C, Nt.INITIAL_TRAP_FRAME_BIAS);
        assertEquals(Layouts.KTRAP_FRAME.size(), Nt.KTRAP_FRAME_LENGTH);
        assertEquals(Layouts.CONTEXT.size(), Nt.CONTEXT_LENGTH);
        // The trap frame's V86Es..V86Gs slots end exactly at InitialStack - 0x210 (NPX area).
        assertEquals(Nt.NPX_FRAME_LENGTH, Nt.INITIAL_TRAP_FRAME_BIAS - Layouts.KTRAP_FRAME.size());
        // Esp0 points just above HardwareSegSs of the first frame.
        assertEquals(Nt.INITIAL_TRAP_FRAME_BIAS - Nt.ESP0_BIAS, Layouts.KTRAP_FRAME.offset("V86Es"));
    }

    @Test
    void symbolsNameEveryFieldAndConstant() {
        Map<String, Long> s = Layouts.symbols();
        assertEquals(0x68L, s.get("KTRAP_FRAME.Eip"));
        assertEquals(0x8CL, s.get("KTRAP_FRAME_size"));
        assertEquals(0x4AL, s.get("KTHREAD.ApcState.UserApcPending"));
        assertEquals(0x638L, s.get("KPCR.PrcbData.KeSystemCalls"));
        assertEquals(0x3BL - 3, s.get("KGDT_R3_TEB"));
        assertEquals(0x7FFF0000L, s.get("MM_USER_PROBE_ADDRESS"));
        assertEquals(0xBADB0D00L, s.get("TRAP_FRAME_MARKER"));
        assertEquals(0xFFDFF000L, s.get("KIP0PCRADDRESS"));
        assertEquals(0x174L, s.get("MSR_SYSENTER_CS"));
        for (Struct st : Layouts.all()) {
            assertEquals((long) st.size(), s.get(st.name() + "_size"));
            for (Field f : st.fields()) {
                assertEquals((long) f.offset(), s.get(st.name() + "." + f.name()), st.name() + "." + f.name());
                assertTrue(f.end() <= st.size());
            }
        }
    }

    @Test
    void byNameAcceptsWinDbgSpellings() {
        assertSame(Layouts.KTRAP_FRAME, Layouts.byName("KTRAP_FRAME"));
        assertSame(Layouts.KTRAP_FRAME, Layouts.byName("_KTRAP_FRAME"));
        assertSame(Layouts.KTRAP_FRAME, Layouts.byName("nt!_KTRAP_FRAME"));
        assertThrows(IllegalArgumentException.class, () -> Layouts.byName("ktrap_frame"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Layouts.KTRAP_FRAME.field("Eipp"));
        assertTrue(e.getMessage().contains("KTRAP_FRAME") && e.getMessage().contains("Eipp"), e.getMessage());
    }

    @Test
    void selectorsMatchSection2_1() {
        assertEquals(0x08, Nt.KGDT_R0_CODE);
        assertEquals(0x10, Nt.KGDT_R0_DATA);
        assertEquals(0x1B, Nt.USER_CS);
        assertEquals(0x23, Nt.USER_DS);
        assertEquals(0x28, Nt.KGDT_TSS);
        assertEquals(0x30, Nt.KGDT_R0_PCR);
        assertEquals(0x3B, Nt.USER_FS);
        assertEquals(0x50, Nt.KGDT_DF_TSS);
        assertEquals(0x58, Nt.KGDT_NMI_TSS);
        // SYSENTER needs CS0, SS0, CS3, SS3 consecutive (§2.1, §3.2).
        assertEquals(Nt.KGDT_R0_CODE + 8, Nt.KGDT_R0_DATA);
        assertEquals(Nt.KGDT_R0_CODE + 16, Nt.KGDT_R3_CODE);
        assertEquals(Nt.KGDT_R0_CODE + 24, Nt.KGDT_R3_DATA);
        assertEquals(Layouts.KTSS.size() - 1, Nt.KGDT_TSS_LIMIT);
        assertEquals(0xFFDF0304, Nt.KERNEL_SHARED_SYSTEM_CALL_RETURN);
        assertEquals(0x7FFE0300, Nt.USER_SHARED_SYSTEM_CALL);
    }
}
