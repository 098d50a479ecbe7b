package ntgate.cpu.exec;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Eval;
import ntgate.cpu.decode.Op;
import ntgate.cpu.decode.OpcodeTable;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape STYLE habits 1 and 2 ask for: every {@link Op} id has exactly one table row and a case in
 * {@link Exec}'s dispatch (read from the class file's switch tables), an instance of every row executes without
 * reaching the dispatch's {@code default -> #UD}, and each dispatch method stays under HotSpot's 8,000-byte
 * limit for compiling a method ({@code -XX:HugeMethodLimit}).
 */
class ExecDispatchTest {
    private static final int HUGE_METHOD_LIMIT = 8000;

    /** Rows whose defined behaviour is #UD. */
    private static final Set<String> UD_BY_DEFINITION = Set.of("UD2", "HOSTCALL");   // hostcall: #UD without a host-call handler

    private static Map<String, Integer> tableOps() {
        Map<String, Integer> ops = new TreeMap<>();
        for (Map.Entry<String, Integer> e : OpcodeTable.opIdMap().entrySet()) {
            int v = e.getValue();
            if (v > Op.INVALID && v < Op.TABLE_END) ops.put(e.getKey(), v);
        }
        return ops;
    }

    @Test
    void everyOpHasExactlyOneRow() {
        Map<Integer, List<OpcodeTable.Row>> byOp = new HashMap<>();
        for (OpcodeTable.Row r : OpcodeTable.rows()) byOp.computeIfAbsent(r.op(), k -> new ArrayList<>()).add(r);
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Integer> e : tableOps().entrySet()) {
            List<OpcodeTable.Row> rows = byOp.getOrDefault(e.getValue(), List.of());
            if (rows.size() != 1) bad.add(e.getKey() + " has " + rows.size() + " rows " + rows);
        }
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            if (r.op() <= Op.INVALID || r.op() >= Op.TABLE_END) bad.add("row " + r + " has id " + r.op() + " outside 1.." + (Op.TABLE_END - 1));
        }
        // Ids are dense: the switch in Exec compiles to a tableswitch.
        assertEquals(Op.TABLE_END - 1, tableOps().size(), "Op ids 1..TABLE_END-1 all named");
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    /** A method's bytecode and its first switch's targets, read from Exec.class. */
    private record Method(int codeLength, int low, int defaultTarget, int[] targets) {}

    private static Map<String, Method> execMethods() throws IOException {
        byte[] cls;
        try (InputStream in = Exec.class.getResourceAsStream("Exec.class")) {
            assertNotNull(in, "Exec.class");
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            in.transferTo(o);
            cls = o.toByteArray();
        }
        DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(cls));
        assertEquals(0xCAFEBABE, d.readInt());
        d.readUnsignedShort();
        d.readUnsignedShort();
        int cpCount = d.readUnsignedShort();
        String[] utf8 = new String[cpCount];
        for (int i = 1; i < cpCount; i++) {
            int tag = d.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = d.readUTF();
                case 3, 4 -> d.readInt();
                case 5, 6 -> {
                    d.readLong();
                    i++;
                }
                case 7, 8, 16, 19, 20 -> d.readUnsignedShort();
                case 9, 10, 11, 12, 17, 18 -> d.readInt();
                case 15 -> {
                    d.readUnsignedByte();
                    d.readUnsignedShort();
                }
                default -> throw new IOException("constant pool tag " + tag);
            }
        }
        d.readUnsignedShort();
        d.readUnsignedShort();
        d.readUnsignedShort();
        d.skipBytes(2 * d.readUnsignedShort());
        int fields = d.readUnsignedShort();
        for (int f = 0; f < fields; f++) {
            d.skipBytes(6);
            skipAttributes(d);
        }
        Map<String, Method> out = new HashMap<>();
        int methods = d.readUnsignedShort();
        for (int m = 0; m < methods; m++) {
            d.readUnsignedShort();
            String name = utf8[d.readUnsignedShort()];
            d.readUnsignedShort();
            int attrs = d.readUnsignedShort();
            for (int a = 0; a < attrs; a++) {
                String an = utf8[d.readUnsignedShort()];
                int len = d.readInt();
                byte[] body = new byte[len];
                d.readFully(body);
                if (an.equals("Code")) out.put(name, parseCode(body));
            }
        }
        return out;
    }

    private static void skipAttributes(DataInputStream d) throws IOException {
        int n = d.readUnsignedShort();
        for (int i = 0; i < n; i++) {
            d.readUnsignedShort();
            d.skipBytes(d.readInt());
        }
    }

    private static Method parseCode(byte[] body) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(body);
        b.getShort();
        b.getShort();
        int len = b.getInt();
        int start = b.position();
        // The dispatch methods begin with "iload op; tableswitch": find the tableswitch in the first bytes.
        for (int pc = 0; pc < Math.min(4, len); pc++) {
            if ((body[start + pc] & 0xFF) == 0xAA) {
                int p = start + ((pc + 4) & ~3);
                int def = b.getInt(p), low = b.getInt(p + 4), high = b.getInt(p + 8);
                int[] t = new int[high - low + 1];
                for (int i = 0; i < t.length; i++) t[i] = b.getInt(p + 12 + 4 * i);
                return new Method(len, low, def, t);
            }
        }
        return new Method(len, 0, 0, new int[0]);
    }

    @Test
    void everyOpHasACaseInTheDispatch() throws IOException {
        Map<String, Method> m = execMethods();
        Method one = m.get("oneByte"), two = m.get("twoByte"), x87 = m.get("x87"), mmx = m.get("mmx");
        assertNotNull(x87, "Exec.x87");
        assertNotNull(mmx, "Exec.mmx");
        assertNotNull(one, "Exec.oneByte");
        assertNotNull(two, "Exec.twoByte");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Integer> e : tableOps().entrySet()) {
            int id = e.getValue();
            Method sw = id < Op.SLDT_Ew ? one : id < Exec.FIRST_X87 ? two : id < Exec.FIRST_MMX ? x87 : mmx;
            int k = id - sw.low();
            if (k < 0 || k >= sw.targets().length || sw.targets()[k] == sw.defaultTarget()) missing.add(e.getKey());
        }
        assertTrue(missing.isEmpty(), "Op ids that fall to the dispatch's default (#UD): " + missing);
    }

    @Test
    void dispatchMethodsStayCompilable() throws IOException {
        Map<String, Method> m = execMethods();
        for (String name : new String[] {"oneByte", "twoByte", "x87", "mmx"}) {
            int len = m.get(name).codeLength();
            assertTrue(len < HUGE_METHOD_LIMIT, "Exec." + name + " is " + len + " bytes of bytecode; HotSpot does not compile methods over "
                    + HUGE_METHOD_LIMIT);
        }
    }

    /** An encoding of the row: register operands where allowed, [EAX] for memory-only ones, zero immediates. */
    private static byte[] instance(OpcodeTable.Row r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int[] op = r.opcode();
        for (int i = 0; i < op.length; i++) o.write(i == op.length - 1 && r.plusReg() ? op[i] | 1 : op[i]);
        boolean memOnly = false;
        for (String s : r.operands()) if (s.startsWith("M")) memOnly = true;
        if (r.hasModrm()) {
            int reg = r.modrmDigit() < 8 ? r.modrmDigit() : 0;
            o.write(memOnly ? reg << 3 : 0xC0 | reg << 3 | 1);   // [EAX] or ECX
        }
        for (String s : r.operands()) {
            int n = switch (s) {
                case "Ib", "Ibs", "Jb" -> 1;
                case "Iw" -> 2;
                case "Iz", "Iv", "Jz", "Ob", "Ov" -> 4;
                case "Ap" -> 6;
                default -> 0;
            };
            for (int i = 0; i < n; i++) o.write(s.startsWith("O") && i == 1 ? 0x20 : 0);   // moffs 0x2000
        }
        return o.toByteArray();
    }

    @Test
    void everyRowExecutesWithoutReachingTheDefault() {
        Eval eval = new Eval();
        List<String> bad = new ArrayList<>();
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            for (boolean kernel : new boolean[] {false, true}) {
                Eval.Case c = new Eval.Case();
                c.code = instance(r);
                c.kernel = kernel;
                c.steps = 1;
                c.regs.put("eax", 0x2000);
                c.regs.put("ebx", 0x2000);
                c.regs.put("esi", 0x2000);
                c.regs.put("edi", 0x3000);
                c.regs.put("ebp", 0x00EFFF00);
                c.mem.put(0x2000, new byte[16]);
                Eval.Result res = eval.run(c);
                boolean ud = res.fault != null && res.fault.vector == CpuFault.UD;
                if (ud != UD_BY_DEFINITION.contains(r.opName())) {
                    bad.add((kernel ? "CPL0 " : "CPL3 ") + r.opName() + " " + java.util.HexFormat.of().formatHex(c.code)
                            + (ud ? " raised #UD" : " did not raise #UD"));
                }
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }
}
