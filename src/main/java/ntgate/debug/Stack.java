package ntgate.debug;

import ntgate.asm.Disassembler;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Struct;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code k}, {@code kb}, {@code kv}, {@code kn}, {@code kp} [count]: the call stack, walked as WinDbg walks an XP
 * stack. Functions with the {@code push ebp / mov ebp, esp} prologue are walked through EBP; frameless ones
 * (the ntdll stubs, KiFastSystemCallRet, host-routine service bodies) take the return address from the stack
 * (their ChildEBP is printed as the slot below it, as WinDbg prints FPO frames). The frame whose EBP is the
 * thread's trap frame (KiFastCallEntry, KiSystemService) returns to the trap frame's Eip, and the walk goes on
 * in user mode from its HardwareEsp and Ebp. Without type information {@code kp} prints what {@code k} does,
 * as WinDbg does for export-only symbols.
 */
final class Stack {
    private static final int DEFAULT_FRAMES = 20;
    private final Debugger d;
    /** The scope {@code .trap} or {@code .cxr} set, or null for the CPU's registers. */
    Machine.Context context;

    Stack(Debugger d) {
        this.d = d;
    }

    void register() {
        for (String k : new String[] {"k", "kb", "kv", "kn", "kp"}) {
            d.command(k, k.equals("k") ? "k|kb|kv|kn|kp [count]  the call stack, through trap frames into user mode" : null,
                    (a, l) -> walk(context, k, count(a, l)));
        }
    }

    private static int count(String args, String line) {
        if (args.isEmpty()) return DEFAULT_FRAMES;
        Integer n = Expr.number(args);
        if (n == null || n <= 0) throw DebugError.syntax(line);
        return n;
    }

    /** One frame: ChildEBP, RetAddr, the function at its EIP, the first three arguments, its FPO note. */
    record Frame(int childEbp, int retAddr, int eip, int[] args, String note) {
    }

    /** The first frame's return address ({@code $ra}). */
    int returnAddress() {
        List<Frame> f = frames(null, 1);
        return f.isEmpty() ? 0 : f.get(0).retAddr;
    }

    void walk(Machine.Context from, String kind, int max) {
        List<Frame> frames = frames(from, max);
        switch (kind) {
            case "kn" -> d.out.println(" # ChildEBP RetAddr");
            case "kb", "kv" -> d.out.println("ChildEBP RetAddr  Args to Child");
            default -> d.out.println("ChildEBP RetAddr");
        }
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            String sym = d.sys.symbolize(f.eip);
            switch (kind) {
                case "kn" -> d.out.printf(Locale.ROOT, "%02x %08x %08x %s%n", i, f.childEbp, f.retAddr, sym);
                case "kb", "kv" -> {
                    String note = kind.equals("kv") && f.note != null ? " " + f.note : "";
                    d.out.printf(Locale.ROOT, "%08x %08x %08x %08x %08x %s%s%n", f.childEbp, f.retAddr, f.args[0], f.args[1],
                            f.args[2], sym, note);
                }
                default -> d.out.printf(Locale.ROOT, "%08x %08x %s%n", f.childEbp, f.retAddr, sym);
            }
        }
    }

    private int trapFrame() {
        try {
            return d.field(Layouts.KTHREAD, d.currentThread(), "TrapFrame");
        } catch (DebugError e) {
            return 0;
        }
    }

    List<Frame> frames(Machine.Context from, int max) {
        int eip = from != null ? from.eip() : d.cpu.st.eip;
        int esp = from != null ? from.esp() : d.cpu.gpr[4];
        int ebp = from != null ? from.ebp() : d.cpu.gpr[5];
        int tf = trapFrame();
        List<Frame> out = new ArrayList<>();
        while (out.size() < max) {
            if (d.sys.modules.at(eip).isEmpty()) break;
            Optional<Integer> start = d.code.functionStart(eip);
            boolean prologue = start.isPresent() && hasFramePrologue(start.get());
            int at = start.orElse(eip);
            Disassembler.Line here = d.disassemble(eip);
            String text = here.text().strip();
            // At a breakpoint on a function's first instruction its frame is not built yet; a return address never is one.
            boolean entering = out.isEmpty() && eip == at || text.startsWith("ret");
            if (tf != 0 && ebp == tf && !prologue && !entering && d.readable(tf, Layouts.KTRAP_FRAME.size())) {
                Struct k = Layouts.KTRAP_FRAME;
                int uEip = d.field(k, tf, "Eip");
                out.add(new Frame(tf, uEip, eip, args(tf + 8), String.format(Locale.ROOT, "(FPO: [0,0] TrapFrame @ %08x)", tf)));
                int cs = d.field(k, tf, "SegCs");
                esp = (cs & 1) != 0 ? d.field(k, tf, "HardwareEsp") : tf + k.offset("HardwareEsp");
                ebp = d.field(k, tf, "Ebp");
                eip = uEip;
                tf = 0;
                continue;
            }
            int retAt;
            int popped = 0;
            String note = null;
            boolean first = out.isEmpty();
            if (text.startsWith("ret") || !prologue || first && (eip == at || eip == at + 1)) {
                retAt = prologue && first && eip == at + 1 ? esp + 4 : esp;
                if (text.startsWith("ret ")) {
                    Integer n = Expr.number(text.substring(4).strip().replace("h", ""));
                    if (n != null) popped = n;
                }
                note = "(FPO: [0,0,0])";
                if (!d.readable(retAt, 4)) break;
                int ret = d.peek(retAt, 4);
                out.add(new Frame(retAt - 4, ret, eip, args(retAt + 4), note));
                if (ret == 0) break;
                esp = retAt + 4 + popped;
                if (prologue && first && eip == at + 1) ebp = d.peek(esp - 8, 4);
                eip = ret;
            } else {
                if (ebp == 0 || !d.readable(ebp, 8)) break;
                int ret = d.peek(ebp + 4, 4);
                out.add(new Frame(ebp, ret, eip, args(ebp + 8), null));
                if (ret == 0) break;
                int next = d.peek(ebp, 4);
                esp = ebp + 8;
                eip = ret;
                if (Integer.compareUnsigned(next, ebp) <= 0 && !(tf != 0 && next == tf)) {
                    ebp = next;
                    if (d.sys.modules.at(eip).isEmpty()) break;
                    continue;
                }
                ebp = next;
            }
        }
        return out;
    }

    private int[] args(int a) {
        int[] v = new int[3];
        for (int i = 0; i < 3; i++) v[i] = d.readable(a + 4 * i, 4) ? d.peek(a + 4 * i, 4) : 0;
        return v;
    }

    /** {@code push ebp} ({@code 55}) then {@code mov ebp, esp} ({@code 8B EC} or {@code 89 E5}). */
    private boolean hasFramePrologue(int start) {
        return d.cpu.mmu.peek8(start) == 0x55
                && (d.cpu.mmu.peek8(start + 1) == 0x8B && d.cpu.mmu.peek8(start + 2) == 0xEC
                    || d.cpu.mmu.peek8(start + 1) == 0x89 && d.cpu.mmu.peek8(start + 2) == 0xE5);
    }
}
