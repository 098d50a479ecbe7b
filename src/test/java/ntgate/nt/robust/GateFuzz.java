package ntgate.nt.robust;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;

import java.util.SplittableRandom;

/**
 * A seeded fuzzer of the system-call gate and of user code, run inside one booted machine for as long as the
 * process survives (a new machine when it does not: a fuzzed NtTerminateProcess, a freed stack, a deadlock).
 *
 * <p>The guest program is a loop around one address, {@code checkpoint}: the host stops there (a CpuHooks stop),
 * checks the invariants of the call that just returned, writes the next case into the program's data and lets
 * it run. A case is a system call through SYSENTER ({@code call [7FFE0300h]}, arguments on a stack the host
 * builds, possibly running into an unmapped page) or INT 2Eh (EDX any pointer), or a block of random code. An SEH
 * handler sends any exception back to the checkpoint, so a fault in user mode costs nothing.
 *
 * <p>Invariants after every system call (NT-FACTS §14): no bug check and no Java exception; TSS.Esp0,
 * KTHREAD.TrapFrame, KTHREAD.PreviousMode, KPCR.ExceptionList as before the call; IRQL back at PASSIVE_LEVEL;
 * KPRCB.KeSystemCalls up by one exactly for a number inside its table's limit; EBX, ESI, EDI, EBP (and ESP) as
 * the ABI preserves them. After random code: no bug check, no Java exception, and the same kernel state.
 */
final class GateFuzz {
    static final String PROGRAM = """
            section .text
            global start
            start:
            checkpoint:
                mov ax, 0x23
                mov ds, ax
                mov es, ax
                mov ss, ax
                mov ax, 0x3B
                mov fs, ax
                xor eax, eax
                mov gs, ax
                mov esp, [fs:4]                         ; TEB.NtTib.StackBase: SEH records must be on the stack
                sub esp, 0x400
                push handler
                push -1
                mov [fs:0], esp
                mov [saved_esp], esp
                cmp dword [fz_mode], 1
                je .int2e
                ja .code
                mov eax, [fz_eax]
                mov ebx, [fz_ebx]
                mov esi, [fz_esi]
                mov edi, [fz_edi]
                mov ebp, [fz_ebp]
                mov esp, [fz_esp]
                call [0x7FFE0300]
                jmp record
            .int2e:
                mov eax, [fz_eax]
                mov edx, [fz_edx]
                mov ebx, [fz_ebx]
                mov esi, [fz_esi]
                mov edi, [fz_edi]
                mov ebp, [fz_ebp]
                int 0x2E
                jmp record
            .code:
                mov eax, [fz_eax]
                mov edx, [fz_edx]
                mov ebx, [fz_ebx]
                mov esi, [fz_esi]
                mov edi, [fz_edi]
                mov ebp, [fz_ebp]
                mov ecx, [fz_ecx]
                jmp [fz_target]
            record:
                mov [r_eax], eax
                mov [r_ebx], ebx
                mov [r_esi], esi
                mov [r_edi], edi
                mov [r_ebp], ebp
                mov [r_esp], esp
                jmp checkpoint

            ; _except_handler(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext): resume at the
            ; checkpoint with sane selectors, whatever happened.
            handler:
                mov eax, [esp + 12]
                mov dword [eax + 0xB8], checkpoint      ; Eip
                mov dword [eax + 0xBC], 0x1B            ; SegCs
                mov dword [eax + 0xC0], 0x202           ; EFlags
                mov ecx, [saved_esp]
                mov [eax + 0xC4], ecx                   ; Esp
                mov dword [eax + 0xC8], 0x23            ; SegSs
                mov dword [eax + 0x98], 0x23            ; SegDs
                mov dword [eax + 0x94], 0x23            ; SegEs
                mov dword [eax + 0x90], 0x3B            ; SegFs
                mov dword [eax + 0x8C], 0               ; SegGs
                mov dword [eax + 0x18], 0               ; Dr7: no breakpoints left armed
                mov dword [fz_faults], 1
                xor eax, eax                            ; ExceptionContinueExecution
                ret

            section .rdata
            ro_page: times 0x1000 db 0x5A

            section .data
            fz_mode:   dd 0
            fz_eax:    dd 0
            fz_ecx:    dd 0
            fz_edx:    dd 0
            fz_ebx:    dd 0
            fz_esi:    dd 0
            fz_edi:    dd 0
            fz_ebp:    dd 0
            fz_esp:    dd 0
            fz_target: dd 0
            fz_faults: dd 0
            saved_esp: dd 0
            r_eax: dd 0
            r_ebx: dd 0
            r_esi: dd 0
            r_edi: dd 0
            r_ebp: dd 0
            r_esp: dd 0

            section .bss
            alignb 4096
            stack_lo:  resb 0x4000
            stack_top:
            code_page: resb 0x1000
            buf:       resb 0x4000
            buf_end:
            """;

    /** What a run found; {@code failure} is null when every invariant held. */
    static final class Report {
        long calls, sysenterCalls, int2eCalls, codePrograms, machines, userFaults, inRange;
        String failure;

        @Override
        public String toString() {
            return String.format("%,d system calls (%,d SYSENTER, %,d INT 2Eh; %,d inside a table's limit), %,d random-code"
                    + " programs, %,d machines booted, %,d user faults sent back by SEH%s", calls, sysenterCalls, int2eCalls,
                    inRange, codePrograms, machines, userFaults, failure == null ? "" : "; FAILURE: " + failure);
        }
    }

    private final SplittableRandom rnd;
    private final Report report = new Report();
    private NtHarness h;
    private NtSystem sys;
    private int checkpoint, buf, bufEnd, roPage, codePage, textStart;
    private long resumeAt = -1;
    /** ntdll!KiUserApcDispatcher, and how often a user APC entered it (its NtContinue is one more system call). */
    private int apcDispatcher;
    private long apcEntries;
    // Baselines of the kernel state seen from user mode.
    private int esp0, trapFrame, previousMode, exceptionList, thread, prcbCalls;
    private int tableLimit0, tableLimit1, tableLimit2, tableLimit3;
    private String lastCase = "";

    GateFuzz(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    /** Print the figures every 20,000 cases (the long run). */
    boolean progress;
    private long lastProgress;

    /** Runs {@code calls} system calls and {@code programs} random-code programs, interleaved. */
    Report run(long calls, long programs) {
        try {
            boot();
            while (report.calls < calls || report.codePrograms < programs) {
                boolean code = report.codePrograms < programs
                        && (report.calls >= calls || rnd.nextLong(calls + programs) < programs);
                if (code) randomCode();
                else systemCall();
                if (report.failure != null) break;
                long done = report.calls + report.codePrograms;
                if (progress && done % 20_000 == 0 && done != lastProgress) {
                    lastProgress = done;
                    System.out.println("  fuzz progress: " + report);
                }
            }
        } catch (Throwable t) {
            StringBuilder sb = new StringBuilder("Java exception " + t + " after " + lastCase);
            for (StackTraceElement e : t.getStackTrace()) {
                if (sb.length() > 2000) break;
                sb.append("\n    at ").append(e);
            }
            report.failure = sb.toString();
        }
        return report;
    }

    private void boot() {
        report.machines++;
        h = NtHarness.boot(PROGRAM, o -> o.memory = 64 << 20);
        sys = h.sys;
        checkpoint = h.symbol("checkpoint");
        buf = h.symbol("buf");
        bufEnd = buf + 0x4000;   // the last page of the image: the page after it is not mapped
        roPage = h.symbol("ro_page");
        codePage = h.symbol("code_page");
        textStart = h.symbol("start");
        apcDispatcher = sys.ntdllSymbol("KiUserApcDispatcher");
        resumeAt = -1;
        sys.cpu.setHooks(new CpuHooks() {
            @Override
            public boolean beforeInsn(Cpu cpu, Insn insn) {
                if (cpu.st.eip == apcDispatcher) apcEntries++;
                return cpu.st.eip != checkpoint || cpu.icount == resumeAt;
            }

            @Override
            public void onFault(Cpu cpu, ntgate.cpu.CpuFault fault, int eip) {
                faults[faultCount++ & 15] = String.format("#%02X(%X) at %08X cpl %d", fault.vector,
                        fault.hasErrorCode() ? fault.errorCode : 0, eip, cpu.st.cpl);
            }
        });
        NtSystem.End e = sys.run(1_000_000);
        if (e != NtSystem.End.BREAK || sys.cpu.st.eip != checkpoint) {
            throw new IllegalStateException("the fuzz program did not reach its checkpoint: " + e);
        }
        thread = kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "PrcbData.CurrentThread");
        esp0 = kget(Layouts.KTSS, kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "TSS"), "Esp0");
        trapFrame = kget(Layouts.KTHREAD, thread, "TrapFrame");
        previousMode = kget(Layouts.KTHREAD, thread, "PreviousMode");
        exceptionList = kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "NtTib.ExceptionList");
        int sdt = sys.kernelSymbol("KeServiceDescriptorTable"), shadow = sys.kernelSymbol("KeServiceDescriptorTableShadow");
        int d = Layouts.KSERVICE_TABLE_DESCRIPTOR.size();
        tableLimit0 = kget(Layouts.KSERVICE_TABLE_DESCRIPTOR, sdt, "Limit");
        tableLimit1 = kget(Layouts.KSERVICE_TABLE_DESCRIPTOR, shadow + d, "Limit");
        tableLimit2 = kget(Layouts.KSERVICE_TABLE_DESCRIPTOR, shadow + 2 * d, "Limit");
        tableLimit3 = kget(Layouts.KSERVICE_TABLE_DESCRIPTOR, shadow + 3 * d, "Limit");
        fillBuffer(buf, bufEnd - buf);
    }

    /** A kernel structure field, read through the page tables whatever the CPU's privilege (host side, no fault). */
    private int kget(ntgate.nt.layout.Struct s, int base, String name) {
        ntgate.nt.layout.Field f = s.field(name);
        long pa = sys.pages.translate(base + f.offset());
        if (pa < 0) throw new IllegalStateException(s.name() + "." + name + " at an unmapped address");
        int v = sys.cpu.mem.read32(pa);
        return f.size() == 1 ? v & 0xFF : f.size() == 2 ? v & 0xFFFF : v;
    }

    private int prcbSystemCalls() {
        return kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "PrcbData.KeSystemCalls");
    }

    // ---- hostile values ----------------------------------------------------------------------------------------

    /** A value from the hostile distribution: bad, unaligned, kernel, read-only, page-crossing pointers, lengths. */
    int hostile() {
        switch (rnd.nextInt(20)) {
            case 0: return 0;
            case 1: return rnd.nextInt(16);
            case 2: return -1 - rnd.nextInt(2);                          // NtCurrentProcess / NtCurrentThread
            case 3: return buf + rnd.nextInt(bufEnd - buf) & ~3;         // aligned, writable
            case 4: return buf + rnd.nextInt(bufEnd - buf);              // unaligned
            case 5: return bufEnd - rnd.nextInt(16);                     // crossing into the unmapped page after it
            case 6: return roPage + rnd.nextInt(0x1000);                 // read-only
            case 7: return Nt.MM_SHARED_USER_DATA_VA + rnd.nextInt(0x1000); // read-only shared data
            case 8: return textStart + rnd.nextInt(0x100);               // read-execute
            case 9: {
                int[] k = {0x80000000, Nt.NTOSKRNL_BASE, Nt.KIP0PCRADDRESS, 0xC0000000, 0xC0600000, 0xFFFFF000,
                    Nt.MM_USER_PROBE_ADDRESS, Nt.MM_USER_PROBE_ADDRESS - 1, Nt.MM_USER_PROBE_ADDRESS - 4,
                    Nt.KI_USER_SHARED_DATA, NtSystem.INITIAL_STACK - 0x100};
                return k[rnd.nextInt(k.length)] + (rnd.nextBoolean() ? 0 : rnd.nextInt(0x40));
            }
            case 10: {
                int[] n = {0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x10000000, 0x40000000, 0x00100000, 0xFFFFFFF0, 0x1000, 0x2CC};
                return n[rnd.nextInt(n.length)];
            }
            case 11: return 0x1000 * rnd.nextInt(0x10) + rnd.nextInt(0x10);   // below 64 KiB: never mapped
            case 12: return Nt.TEB_ADDRESS + rnd.nextInt(0x1000);
            case 13: return Nt.PEB_ADDRESS + rnd.nextInt(0x1000);
            case 14: return 4 * rnd.nextInt(64);                              // small handles
            case 15: return 0x00400000 + rnd.nextInt(0x10000);               // around the image
            default: return rnd.nextInt();
        }
    }

    private void fillBuffer(int at, int bytes) {
        for (int a = at; a + 4 <= at + bytes; a += 4) sys.mem.w32(a, hostile());
    }

    private int serviceNumber() {
        int n;
        switch (rnd.nextInt(20)) {
            case 0, 1, 2, 3, 4, 5, 6, 7, 8 -> n = rnd.nextInt(tableLimit0 + 4);            // table 0, a few past the limit
            case 9 -> n = rnd.nextInt(0x1000);                                              // anywhere in table 0's range
            case 10, 11, 12 -> n = 0x1000 | rnd.nextInt(tableLimit1 + 4);                   // table 1
            case 13 -> n = 0x1000 | rnd.nextInt(0x1000);
            case 14 -> n = (2 + rnd.nextInt(2)) << 12 | rnd.nextInt(0x1000);                 // tables 2 and 3
            case 15, 16 -> n = rnd.nextInt() & ~0x3FFF | rnd.nextInt(tableLimit0);          // random high bits
            default -> n = rnd.nextInt();
        }
        int low = n & 0x3FFF;
        // Ending the process or thread only restarts the machine: rare, so that calls stay cheap.
        if ((low == 0x101 || low == 0x102) && rnd.nextInt(500) != 0) n ^= 0x100;
        return n;
    }

    private boolean inRange(int number) {
        int t = number >>> 12 & 3, i = number & 0xFFF;
        int limit = switch (t) {
            case 0 -> tableLimit0;
            case 1 -> tableLimit1;
            case 2 -> tableLimit2;
            default -> tableLimit3;
        };
        return Integer.compareUnsigned(i, limit) < 0;
    }

    // ---- cases ------------------------------------------------------------------------------------------------

    private void systemCall() {
        boolean int2e = rnd.nextBoolean();
        int number = serviceNumber();
        int ebx = rnd.nextInt(), esi = rnd.nextInt(), edi = rnd.nextInt(), ebp = rnd.nextInt();
        int base = int2e ? 0 : stackPlace();
        int edx = 0;
        int args = 1 + rnd.nextInt(16);
        if (int2e) {
            edx = rnd.nextInt(4) == 0 ? hostile() : buf + 4 * rnd.nextInt((bufEnd - buf) / 4 - 17);
            if (Integer.compareUnsigned(edx, buf) >= 0 && Integer.compareUnsigned(edx, bufEnd - 4 * args) <= 0) {
                for (int i = 0; i < args; i++) sys.mem.w32(edx + 4 * i, hostile());
            }
        } else {
            for (int i = 0; i < args && base + 4 + 4 * i + 4 <= bufEnd; i++) sys.mem.w32(base + 4 + 4 * i, hostile());
        }
        if (rnd.nextInt(8) == 0) {
            int at = buf + (rnd.nextInt(bufEnd - buf - 256) & ~3);
            fillBuffer(at, 256);
        }
        put("fz_mode", int2e ? 1 : 0);
        put("fz_eax", number);
        put("fz_edx", edx);
        put("fz_ebx", ebx);
        put("fz_esi", esi);
        put("fz_edi", edi);
        put("fz_ebp", ebp);
        put("fz_esp", base);
        put("fz_faults", 0);
        lastCase = String.format("call %s eax=%08X edx=%08X esp=%08X", int2e ? "INT 2Eh" : "SYSENTER", number, edx, base);
        int before = prcbSystemCalls();
        int tfBefore = kget(Layouts.KTHREAD, thread, "TrapFrame");
        long apcsBefore = apcEntries;
        if (!resume()) return;
        report.calls++;
        if (int2e) report.int2eCalls++;
        else report.sysenterCalls++;
        boolean expectInRange = inRange(number);
        if (expectInRange) report.inRange++;
        if (get("fz_faults") != 0) {
            // The call did not come back to 'record' (it continued a hostile CONTEXT, or an APC ran and faulted):
            // the kernel state is still checked, the registers are not.
            report.userFaults++;
            checkKernelState(null, -1);
            return;
        }
        int low = number & 0x3FFF;
        boolean setsContext = low == 0x20 || low == 0xD5 || low == 0xB5;   // NtContinue, NtSetContextThread, NtRaiseException
        // A CONTEXT may resume anywhere (even at another call), and a delivered user APC returns through its own
        // NtContinue: then the count is only checked from below.
        boolean more = setsContext || apcEntries != apcsBefore;
        int delta = prcbSystemCalls() - before;
        checkKernelState(more ? null : expectInRange ? 1 : 0, delta);
        check(!more || delta >= (expectInRange ? 1 : 0), "KeSystemCalls went up by " + delta);
        if (report.failure != null) return;
        // KTHREAD.TrapFrame comes back from KTRAP_FRAME.Edx (kss70): the previous frame after INT 2Eh, which
        // saved it there; after SYSENTER whatever that slot held, as on XP (NT-FACTS 5.3 step 12).
        if (!more) {
            // (A CONTEXT rewrites KTRAP_FRAME.Edx after NtContinue restored KTHREAD.TrapFrame from it.)
            int tf = kget(Layouts.KTHREAD, thread, "TrapFrame");
            int frame = kget(Layouts.KTHREAD, thread, "InitialStack") - Nt.INITIAL_TRAP_FRAME_BIAS;
            if (int2e) check(tf == tfBefore, String.format("KTHREAD.TrapFrame %08X after INT 2Eh, %08X before", tf, tfBefore));
            else check(tf == kget(Layouts.KTRAP_FRAME, frame, "Edx"), String.format("KTHREAD.TrapFrame %08X is not KTRAP_FRAME.Edx", tf));
            check(get("r_ebx") == ebx && get("r_esi") == esi && get("r_edi") == edi && get("r_ebp") == ebp,
                    "EBX/ESI/EDI/EBP not preserved");
            int espAfter = int2e ? get("saved_esp") : base;
            check(get("r_esp") == espAfter, String.format("ESP %08X after the call, %08X expected", get("r_esp"), espAfter));
        }
    }

    /** ESP for a SYSENTER call: [ESP-4] writable, the arguments at ESP+4 in the buffer, sometimes crossing its end. */
    private int stackPlace() {
        if (rnd.nextInt(6) == 0) return bufEnd - 4 - 4 * rnd.nextInt(12);   // arguments run into the unmapped page
        return buf + 0x100 + 4 * rnd.nextInt((bufEnd - buf - 0x200) / 4);
    }

    private void randomCode() {
        byte[] b = new byte[64 + rnd.nextInt(192)];
        for (int i = 0; i < b.length; i++) b[i] = (byte) rnd.nextInt(256);
        // Bias toward the interesting: system calls with random registers, segment loads, far transfers.
        int[][] seeds = {{0x0F, 0x34}, {0xCD, 0x2E}, {0x8E, 0xD8}, {0x8E, 0xE0}, {0xCF}, {0xCA, 0x08, 0x00},
            {0x0F, 0x35}, {0x9D}, {0x8E, 0xD0}, {0xCD, 0x03}, {0xF4}, {0xFA}};
        for (int k = rnd.nextInt(4); k > 0; k--) {
            int[] s = seeds[rnd.nextInt(seeds.length)];
            int at = rnd.nextInt(b.length - s.length);
            for (int j = 0; j < s.length; j++) b[at + j] = (byte) s[j];
        }
        for (int i = 0; i < b.length; i++) sys.mem.w8(codePage + i, b[i]);
        for (int i = b.length; i < 0x1000; i += 0x100) sys.mem.w8(codePage + i, 0xCC);
        put("fz_mode", 2);
        put("fz_target", codePage);
        put("fz_eax", rnd.nextBoolean() ? serviceNumber() : rnd.nextInt());
        put("fz_ecx", hostile());
        put("fz_edx", hostile());
        put("fz_ebx", hostile());
        put("fz_esi", hostile());
        put("fz_edi", hostile());
        put("fz_ebp", hostile());
        lastCase = String.format("random code %s eax=%08X ecx=%08X edx=%08X ebx=%08X esi=%08X edi=%08X ebp=%08X", hex(b),
                get("fz_eax"), get("fz_ecx"), get("fz_edx"), get("fz_ebx"), get("fz_esi"), get("fz_edi"), get("fz_ebp"));
        if (!resume()) return;
        report.codePrograms++;
        if (get("fz_faults") != 0) report.userFaults++;
        checkKernelState(null, -1);
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xFF));
        return sb.toString();
    }

    /**
     * Lets the program run to its checkpoint. False when the machine had to be replaced (the process ended, or
     * user code ran too long); a bug check, a kernel that does not come back, or a triple fault is a failure.
     */
    private boolean resume() {
        long budget = 400_000;
        resumeAt = sys.cpu.icount;
        NtSystem.End e = sys.run(budget);
        while (e == NtSystem.End.BUDGET && sys.cpu.st.cpl == 0 && budget < 20_000_000) {
            budget *= 4;   // a slow service: give the kernel time to come back
            e = sys.run(budget);
        }
        switch (e) {
            case BREAK -> {
                return true;
            }
            case BUG_CHECK -> fail("bug check " + sys.k.bugCheck);
            case TRIPLE_FAULT, HALTED -> fail(e + " at " + sys.symbolize(sys.cpu.st.eip));
            case BUDGET -> {
                if (sys.cpu.st.cpl == 0) fail("the kernel did not return to user mode: at " + sys.symbolize(sys.cpu.st.eip));
            }
            default -> {
                // EXITED (a fuzzed NtTerminateProcess, or a fault the SEH handler could not take) or DEADLOCK.
            }
        }
        if (report.failure == null) boot();
        return false;
    }

    private void checkKernelState(Integer expectedSystemCalls, int systemCalls) {
        int tss = kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "TSS");
        check(sys.k.bugCheck == null, "bug check " + sys.k.bugCheck);
        check(sys.cpu.st.cpl == 3, "not back in user mode");
        int e0 = kget(Layouts.KTSS, tss, "Esp0");
        check(e0 == esp0, String.format("TSS.Esp0 %08X, %08X before", e0, esp0));
        int pm = kget(Layouts.KTHREAD, thread, "PreviousMode");
        check(pm == previousMode, "KTHREAD.PreviousMode " + pm + ", " + previousMode + " before");
        int irql = kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "Irql");
        check(irql == 0, "IRQL " + irql + " in user mode");
        int el = kget(Layouts.KPCR, Nt.KIP0PCRADDRESS, "NtTib.ExceptionList");
        check(el == exceptionList, String.format("KPCR.ExceptionList %08X, %08X before", el, exceptionList));
        if (expectedSystemCalls != null) {
            check(systemCalls == expectedSystemCalls, "KeSystemCalls went up by " + systemCalls + ", expected " + expectedSystemCalls);
        }
    }

    private void check(boolean ok, String what) {
        if (!ok && report.failure == null) fail(what);
    }

    private final String[] faults = new String[16];
    private int faultCount;

    private void fail(String what) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, faultCount - 16); i < faultCount; i++) sb.append("\n    ").append(faults[i & 15]);
        report.failure = what + " after " + lastCase + "\n  last faults:" + sb;
    }

    private void put(String symbol, int v) {
        sys.mem.w32(h.symbol(symbol), v);
    }

    private int get(String symbol) {
        return sys.mem.u32(h.symbol(symbol));
    }
}
