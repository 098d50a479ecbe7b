package ntgate.asm;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.decode.OpcodeTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Intel-syntax disassembler in the WinDbg dialect that reverse engineers read. It decodes with the CPU's own
 * {@link Decoder} and {@link OpcodeTable} (what is shown is what runs) and only formats; it has no opcode
 * tables of its own. Its text (without symbols) assembles back to the same instruction with
 * {@link Assembler} in the WinDbg dialect ({@link AsmOptions#withWindbg}), byte for byte when the encoding is
 * canonical ({@code AsmDisasmRoundTripTest} defines which are).
 *
 * <h2>Dialect</h2>
 * <ul>
 *   <li>Lower-case mnemonics and registers, one space after the mnemonic, operands separated by a bare comma:
 *       {@code mov eax,dword ptr fs:[00000124h]}.</li>
 *   <li>Numbers are hexadecimal with an {@code h} suffix and a leading {@code 0} when the first digit is a
 *       letter ({@code 0Ch}, {@code 0FFFFFFF8h}); values 0..9 are written as a bare digit. Immediates are
 *       written unsigned at the operand's size (an 8-bit immediate sign-extended to 32 bits reads
 *       {@code 0FFFFFFF8h}); displacements beside a register are signed ({@code [ebp-4]},
 *       {@code [ebx+esi*4+10h]}), except beside an index alone, where it is a table's address and unsigned
 *       ({@code [eax*4+80501B8Ch]}); a zero displacement is omitted and a scale of 1 is not written, except on an index with no base
 *       ({@code [ebp*1+10h]}), where it tells the index from a base (whose default segment may differ).</li>
 *   <li>A memory operand carries its size ({@code byte ptr}, {@code word ptr}, {@code dword ptr},
 *       {@code fword ptr} for far pointers and descriptor-table images, {@code qword ptr}; a far call or jmp
 *       through a 16:16 pointer is {@code far dword ptr}, which would otherwise read as the near form); LEA and the x87
 *       escapes have none. An absolute address (no base, no index) is written with all its digits and a
 *       segment, {@code dword ptr ds:[7FFE0300h]}; otherwise the segment is written only when a prefix
 *       overrides it, except the string destination {@code es:[edi]}, which cannot be overridden.</li>
 *   <li>Branch targets are absolute addresses, eight lower-case hex digits with no suffix
 *       ({@code jnz 8053e5cd}), masked to 16 bits when the operand size is 16; a direct far pointer is
 *       {@code selector:offset} in the same style ({@code jmp 0008:8053e5cd}).</li>
 *   <li>Symbols (from a {@link Symbolizer}) replace branch targets, absolute memory addresses, the table
 *       address beside an index ({@code [nt!KiServiceTable (80501b8c)+...]} reads
 *       {@code [eax*4+nt!KiServiceTable (80501b8c)]}) and 32-bit
 *       immediates of {@code mov}/{@code push}, keeping the address in parentheses as WinDbg does:
 *       {@code jnz nt!KiServiceExit+0x2c (8053e5cd)}, {@code call dword ptr [nt!KeServiceDescriptorTable (80553fa0)]},
 *       {@code mov edx,offset SharedUserData!SystemCallStub (7ffe0300)}.</li>
 *   <li>String instructions are written with their operands as the table lists them and the size letter
 *       dropped: {@code rep movs dword ptr es:[edi],dword ptr [esi]}, {@code stos byte ptr es:[edi],al};
 *       XLAT likewise: {@code xlat byte ptr [ebx]}.</li>
 *   <li>Prefixes: {@code lock}; {@code rep} (F3), {@code repe} (F3 on cmps/scas), {@code repne} (F2);
 *       F3 90 is {@code pause}. A prefix whose effect shows nowhere in the mnemonic or the operands is written
 *       as a word before the mnemonic: {@code cs}/{@code ds}/... for a segment, {@code data16}/{@code data32}
 *       for an operand size, {@code addr16}/{@code addr32} for an address size ({@code addr16 loop}).</li>
 *   <li>An operand size other than the code segment's default that shows in no operand is written as a
 *       {@code w}/{@code d} suffix on push/pop of a segment register or an immediate, ret/retf, enter/leave
 *       and relative call/jmp ({@code pushw 6Ah}, {@code retw}, {@code jmpw 00001234}); the table's own
 *       16/32-bit spellings are used elsewhere ({@code pushfd}, {@code iretd}, {@code cwde}).</li>
 *   <li>SLDT, STR, SMSW, LAR, LSL and MOV to or from a segment register are {@code Rv/Mw} forms (the SDM's
 *       {@code r32/m16}): a register operand has the operand size ({@code mov eax,es}, {@code lar eax,ecx}),
 *       a memory operand is a word.</li>
 *   <li>x87 registers are {@code st} (ST(0) as a fixed operand) and {@code st(i)}; x87 memory operands carry
 *       their size ({@code dword ptr}, {@code qword ptr}, {@code tbyte ptr} for m80), the environment and
 *       state images none ({@code fnstenv [eax]}); the 14/94-byte forms chosen by a 16-bit operand size are
 *       {@code fnstenvw}, {@code fldenvw}, {@code fnsavew}, {@code frstorw} as objdump writes them. WAIT is its
 *       own instruction: {@code 9B DB E3} is {@code wait} then {@code fninit}, where objdump reads {@code finit}.</li>
 *   <li>An encoding the decoder rejects (it would raise #UD) is {@code (bad)} over the length the decoder
 *       reports; an instruction longer than 15 bytes (#GP) is {@code (bad)} over 15 bytes; an instruction cut
 *       short by the end of the bytes is {@code (bad)} over the bytes there are; an unreadable first byte is
 *       {@code ??} over one byte. The disassembler never throws on any byte sequence.</li>
 * </ul>
 *
 * <h2>Spelling differences from {@code objdump -M intel}</h2>
 * The objdump cross-check ({@code DisasmObjdumpTest}) rewrites objdump's text by exactly these rules:
 * <ol>
 *   <li>Numbers: objdump writes {@code 0x1c}, we write {@code 1Ch}; absolute addresses in full
 *       ({@code [00000124h]}); branch targets as eight hex digits with no prefix.</li>
 *   <li>objdump writes {@code PTR} in capitals and an absolute address without brackets
 *       ({@code DWORD PTR ds:0x124}); a moffs operand ({@code A0}..{@code A3}) without a size and with an
 *       {@code addr16} word under a 16-bit address size, and in 16-bit code any absolute address with an
 *       {@code addr32} word under a 32-bit one; the number of digits already shows the address size.</li>
 *   <li>objdump writes {@code ds:} on string sources and XLAT even without a prefix; we do not.</li>
 *   <li>objdump writes a scale of 1 ({@code [eax+ecx*1]}), a zero displacement ({@code [ebp+0x0]}) and the
 *       pseudo-register {@code eiz} for a SIB byte without index; we omit all three (but keep {@code *1} on an
 *       index with no base). Beside an index with no
 *       base objdump writes the displacement signed ({@code [ecx*4-0x7faac060]}), we unsigned.</li>
 *   <li>Condition codes: objdump {@code je/jne/sete/setne/cmove/cmovne}, we {@code jz/jnz/setz/setnz/cmovz/cmovnz}.</li>
 *   <li>objdump spells SAL (the /6 shift) {@code shl}, WAIT {@code fwait}, SALC {@code (bad)}, PUSHAD/POPAD/PUSHFD/POPFD/IRETD
 *       {@code pusha/popa/pushf/popf/iret} in 32-bit code and their 16-bit forms with a {@code w} suffix, and
 *       66 90 {@code xchg ax,ax} ({@code xchg eax,eax} in 16-bit code); we use the table's spellings ({@code sal}, {@code wait}, {@code salc},
 *       {@code pushad}, {@code pusha}, {@code data16 nop}, ...).</li>
 *   <li>objdump writes {@code repz}/{@code repnz}; we write {@code rep}/{@code repe}/{@code repne}.</li>
 *   <li>objdump writes SGDT/SIDT/LGDT/LIDT as {@code sgdtd [eax]}; we write {@code sgdt fword ptr [eax]}
 *       ({@code sgdtw fword ptr [eax]} under a 16-bit operand size in 32-bit code, which stores a 24-bit base;
 *       {@code sgdtd} under a 32-bit one in 16-bit code).</li>
 *   <li>objdump writes a direct far pointer {@code 0x8:0x1000}; we write {@code 0008:00001000}.</li>
 *   <li>objdump writes {@code data16 jmp} for a short jump with an operand-size prefix; we write {@code jmpw}
 *       ({@code data32 jmp} and {@code jmpd} in 16-bit code).</li>
 *   <li>objdump writes prefix words in byte order ({@code data16 lock add}); we in a fixed order: lock, segment,
 *       data16/data32, addr16/addr32, rep/repe/repne ({@code lock data16 add}).</li>
 *   <li>BSWAP under a 16-bit operand size (undefined in the SDM): objdump names the 16-bit register
 *       ({@code bswap cx}); we show the table's 32-bit register and the prefix ({@code data16 bswap ecx}).</li>
 *   <li>A DS prefix on an indirect call/jmp is CET's {@code notrack} to objdump; to an IA-32 CPU it is a
 *       segment override and we write it as one ({@code call dword ptr ds:[eax]}).</li>
 *   <li>objdump reads {@code 66 0F 09} as an SSE-era mandatory-prefix opcode and prints {@code (bad)}; the
 *       decoder (like a Pentium-era CPU) reads WBINVD with a needless prefix: {@code data16 wbinvd}.</li>
 *   <li>objdump does not truncate the target of a rel8 branch (Jcc, JMP, LOOPcc, JECXZ) under a 16-bit operand
 *       size; the CPU does (SDM Vol.2A Jcc/JMP/LOOP: {@code EIP <- EIP AND 0000FFFFH}) and so do we.</li>
 *   <li>objdump writes a far call/jmp through a 16:16 pointer as the near form ({@code call DWORD PTR [eax]}); we
 *       write {@code call far dword ptr [eax]}, so that the text names one instruction.</li>
 *   <li>objdump writes FNENI, FNDISI and FNSETPM as {@code fneni(8087 only)} and {@code fnsetpm(287 only)}; we write
 *       the mnemonic alone (the 387 and later execute them as FNOP). objdump's {@code TBYTE PTR} is our
 *       {@code tbyte ptr} (rule 2).</li>
 * </ol>
 */
public final class Disassembler {

    /** Supplies bytes by address. */
    @FunctionalInterface
    public interface ByteSource {
        /** The byte at {@code address}, 0..255, or -1 when it cannot be read. */
        int byteAt(int address);
    }

    /** Names addresses for the listing. */
    @FunctionalInterface
    public interface Symbolizer {
        /** A name such as {@code nt!KiServiceExit+0x2c} for {@code address}, or empty. */
        Optional<String> symbolAt(int address);

        /** Names nothing. */
        Symbolizer NONE = address -> Optional.empty();
    }

    /** One disassembled instruction. */
    public record Line(int address, int length, byte[] bytes, String text, boolean valid) {
        /**
         * @param length the bytes the instruction covers, at least 1 so that a listing always advances
         * @param bytes  the bytes read: all {@code length} of them, or none when the first is unreadable
         */
        public Line {
            bytes = bytes.clone();
        }

        Line(int address, byte[] bytes, String text, boolean valid) {
            this(address, bytes.length, bytes, text, valid);
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The bytes as lower-case hex with no spaces, as WinDbg shows them ({@code 8b4508}). */
        public String hexBytes() {
            StringBuilder sb = new StringBuilder(bytes.length * 2);
            for (byte b : bytes) sb.append(String.format("%02x", b & 0xFF));
            if (bytes.length < length) sb.append("??");
            return sb.toString();
        }

        /** {@code address  bytes  text}, as the {@code disasm} command prints it. */
        public String listing() {
            return String.format("%08x  %-16s  %s", address, hexBytes(), text);
        }
    }

    private static final String[] R8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

    private final boolean code32;
    private final Symbolizer symbols;

    /**
     * @param code32  the code segment's default size (CS.D): true for 32-bit code, false for 16-bit code
     * @param symbols names for addresses, {@link Symbolizer#NONE} for none
     */
    public Disassembler(boolean code32, Symbolizer symbols) {
        this.code32 = code32;
        this.symbols = symbols;
    }

    /** A 32-bit disassembler without symbols. */
    public Disassembler() {
        this(true, Symbolizer.NONE);
    }

    /** Disassembles the instruction at {@code address}. */
    public Line disassemble(ByteSource src, int address) {
        int[] got = new int[Decoder.MAX_LEN];
        int[] count = {0};
        Decoder.Fetch fetch = offset -> {
            int v = src.byteAt(address + offset);
            if (v < 0) throw Unreadable.INSTANCE;
            v &= 0xFF;
            got[offset] = v;
            count[0] = Math.max(count[0], offset + 1);
            return v;
        };
        Insn d;
        try {
            d = Decoder.decode(fetch, code32);
        } catch (Unreadable e) {
            if (count[0] == 0) return new Line(address, 1, new byte[0], "??", false);
            return new Line(address, bytes(got, count[0]), "(bad)", false);
        } catch (CpuFault e) {
            // Longer than 15 bytes: the CPU raises #GP(0) (SDM Vol.2A 2.3.11).
            return new Line(address, bytes(got, Math.min(count[0], Decoder.MAX_LEN)), "(bad)", false);
        }
        byte[] b = bytes(got, d.len);
        if (d.op == Op.INVALID) return new Line(address, b, "(bad)", false);
        return new Line(address, b, text(d, address), true);
    }

    /** Disassembles the instruction at {@code buf[offset]}, which is at {@code address}. */
    public Line disassemble(byte[] buf, int offset, int address) {
        return disassemble(bufferSource(buf, offset, address), address);
    }

    /** Disassembles a whole buffer loaded at {@code base}, one line per instruction. */
    public List<Line> disassembleAll(byte[] buf, int base) {
        List<Line> lines = new ArrayList<>();
        ByteSource src = bufferSource(buf, 0, base);
        int pos = 0;
        while (pos < buf.length) {
            Line l = disassemble(src, base + pos);
            lines.add(l);
            pos += l.length();
        }
        return lines;
    }

    private static ByteSource bufferSource(byte[] buf, int offset, int address) {
        return a -> {
            long i = (long) offset + ((a - address) & 0xFFFFFFFFL);
            return i >= 0 && i < buf.length ? buf[(int) i] & 0xFF : -1;
        };
    }

    private static byte[] bytes(int[] got, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) got[i];
        return b;
    }

    /** Thrown by the fetcher when the byte source has no byte; caught in {@link #disassemble}. */
    private static final class Unreadable extends RuntimeException {
        static final Unreadable INSTANCE = new Unreadable();

        private Unreadable() {
            super("unreadable", null, false, false);
        }
    }

    /**
     * The text of an instruction already decoded by {@link Decoder} (with the same code size as this
     * disassembler) at {@code address}; {@code (bad)} when it is {@link Op#INVALID}.
     */
    public String text(Insn d, int address) {
        if (d.op == Op.INVALID || d.row == null) return "(bad)";
        return new Formatter(d, address).format();
    }

    /** Formats one decoded instruction; tracks which prefixes showed in the text. */
    private final class Formatter {
        private final Insn d;
        private final int address;
        private final OpcodeTable.Row row;
        private boolean usedSeg, usedOpsize, usedAsize;

        Formatter(Insn d, int address) {
            this.d = d;
            this.address = address;
            this.row = d.row;
        }

        String format() {
            int op = d.op;
            boolean string = (row.attrs() & OpcodeTable.REPEATABLE) != 0;
            String m = row.mnemonic(d.opsize == 2);
            if (!row.mnemonic16().equals(row.mnemonic32())) usedOpsize = true;
            boolean defaultSize = d.opsize == (code32 ? 4 : 2);
            List<String> ops = new ArrayList<>();
            if (op == Op.XLAT) {
                m = "xlat";
                ops.add(memory("byte ptr", Insn.NO_REG, 3, Insn.NO_REG, 0));
            } else {
                for (String code : row.operands()) ops.add(operand(code));
            }
            if (string) m = m.substring(0, m.length() - 1);
            if (op == Op.JECXZ_Jb) {
                m = d.asize == 2 ? "jcxz" : "jecxz";
                usedAsize = true;
            }
            if (suffixed(op)) {
                usedOpsize = true;
                if (!defaultSize) m += d.opsize == 2 ? "w" : "d";
            }

            StringBuilder sb = new StringBuilder();
            if (d.lock) sb.append("lock ");
            if (d.segOverride && !usedSeg) sb.append(Seg.name(d.seg)).append(' ');
            if (!defaultSize && !usedOpsize) sb.append(d.opsize == 2 ? "data16 " : "data32 ");
            if (d.asize != (code32 ? 4 : 2) && !usedAsize) sb.append(d.asize == 2 ? "addr16 " : "addr32 ");
            if (op == Op.NOP && d.rep == 0xF3) {
                m = "pause";
            } else if (d.rep == 0xF2) {
                sb.append("repne ");
            } else if (d.rep == 0xF3) {
                sb.append(m.equals("cmps") || m.equals("scas") ? "repe " : "rep ");
            }
            sb.append(m);
            if (!ops.isEmpty()) sb.append(' ').append(String.join(",", ops));
            return sb.toString();
        }

        /** Forms whose operand size shows only as a mnemonic suffix when it is not the default. */
        private boolean suffixed(int op) {
            return switch (op) {
                case Op.PUSH_Iz, Op.PUSH_Ibs, Op.PUSH_ES, Op.PUSH_CS, Op.PUSH_SS, Op.PUSH_DS, Op.PUSH_FS,
                        Op.PUSH_GS, Op.POP_ES, Op.POP_SS, Op.POP_DS, Op.POP_FS, Op.POP_GS, Op.RET, Op.RET_Iw,
                        Op.RETF, Op.RETF_Iw, Op.ENTER_IwIb, Op.LEAVE, Op.CALL_Jz, Op.JMP_Jz, Op.JMP_Jb,
                        Op.SGDT_Ms, Op.SIDT_Ms, Op.LGDT_Ms, Op.LIDT_Ms, Op.FLDENV_M, Op.FNSTENV_M, Op.FNSAVE_M,
                        Op.FRSTOR_M -> true;
                default -> false;
            };
        }

        private String operand(String code) {
            switch (code) {
                case "Eb": return d.rm >= 0 ? R8[d.rm] : memory("byte ptr");
                case "Ew": {
                    boolean rvMw = d.op == Op.SLDT_Ew || d.op == Op.STR_Ew || d.op == Op.SMSW_Ew
                            || d.op == Op.MOV_SwEw || d.op == Op.LAR_GvEw || d.op == Op.LSL_GvEw;
                    if (d.rm >= 0) {
                        if (rvMw) usedOpsize = true;
                        return reg(rvMw ? d.opsize : 2, d.rm);
                    }
                    return memory("word ptr");
                }
                case "Ed": return d.rm >= 0 ? R32[d.rm] : memory("dword ptr");
                case "Ev": {
                    usedOpsize |= d.rm >= 0 || d.op != Op.MOV_EwSw;
                    if (d.rm >= 0) return reg(d.opsize, d.rm);
                    return memory(d.op == Op.MOV_EwSw ? "word ptr" : ptr(d.opsize));
                }
                case "Gb": return R8[d.reg];
                case "Gw": return R16[d.reg];
                case "Gv": usedOpsize = true; return reg(d.opsize, d.reg);
                case "Zb": return R8[d.reg];
                case "Zv": usedOpsize = true; return reg(d.opsize, d.reg);
                case "Zd": {
                    // BSWAP is defined for 32 bits only: a prefix that selects them is doing its job.
                    usedOpsize |= d.opsize == 4;
                    return R32[d.reg];
                }
                case "Rd": return R32[d.rm];
                case "Cd": return "cr" + d.reg;
                case "Dd": return "dr" + d.reg;
                case "Sw": return Seg.name(d.reg);
                case "M": return memory(d.op == Op.INVLPG_M ? "byte ptr" : "");
                case "Mp": {
                    usedOpsize = true;
                    // A far call/jmp through a 16:16 pointer would read as the near call/jmp dword ptr [..].
                    boolean farBranch = d.op == Op.CALLF_Mp || d.op == Op.JMPF_Mp;
                    return memory(d.opsize == 4 ? "fword ptr" : farBranch ? "far dword ptr" : "dword ptr");
                }
                case "Ma": usedOpsize = true; return memory(d.opsize == 4 ? "qword ptr" : "dword ptr");
                case "Mq": return memory("qword ptr");
                case "Mw": return memory("word ptr");
                case "Md": return memory("dword ptr");
                case "Mt": return memory("tbyte ptr");
                case "ST": return "st";
                case "STi": return "st(" + d.rm + ")";
                case "AX": return "ax";
                case "Pq": return "mm" + d.reg;
                case "Nq": return "mm" + d.rm;
                case "Qq": return d.rm >= 0 ? "mm" + d.rm : memory("qword ptr");
                case "Qd": return d.rm >= 0 ? "mm" + d.rm : memory("dword ptr");
                case "Ms": return memory("fword ptr");
                case "Ib": return number(d.op == Op.ENTER_IwIb ? d.imm2 & 0xFF : d.imm & 0xFF);
                case "Ibs": usedOpsize = true; return number(d.imm & mask(d.opsize));
                case "Iw": return number(d.imm & 0xFFFF);
                case "Iz", "Iv": usedOpsize = true; return immediate(d.imm & mask(d.opsize));
                case "Jb", "Jz": {
                    if (code.equals("Jz")) usedOpsize = true;
                    int target = (int) ((address + d.len + d.imm) & mask(d.opsize));
                    return named(target, String.format("%08x", target));
                }
                case "Ap": {
                    usedOpsize = true;
                    return String.format(d.opsize == 4 ? "%04x:%08x" : "%04x:%04x", d.imm2 & 0xFFFF, d.imm & mask(d.opsize));
                }
                case "Ob": return memory("byte ptr");
                case "Ov": usedOpsize = true; return memory(ptr(d.opsize));
                case "Xb": return memory("byte ptr", Insn.NO_REG, 6, Insn.NO_REG, 0);
                case "Xv": usedOpsize = true; return memory(ptr(d.opsize), Insn.NO_REG, 6, Insn.NO_REG, 0);
                case "Yb": return stringDestination("byte ptr");
                case "Yv": usedOpsize = true; return stringDestination(ptr(d.opsize));
                case "eAX": usedOpsize = true; return reg(d.opsize, 0);
                case "AL": return "al";
                case "CL": return "cl";
                case "DX": return "dx";
                case "1": return "1";
                case "ES", "CS", "SS", "DS", "FS", "GS": return code.toLowerCase();
                default: throw new IllegalStateException("operand code " + code + " in " + row);
            }
        }

        /** 32-bit immediates of mov/push may be addresses: name them when the symbolizer knows them. */
        private String immediate(long value) {
            if (d.opsize == 4 && (d.op == Op.MOV_ZvIv || d.op == Op.PUSH_Iz || d.op == Op.MOV_EvIz)) {
                Optional<String> s = symbols.symbolAt((int) value);
                if (s.isPresent()) return String.format("offset %s (%08x)", s.get(), value);
            }
            return number(value);
        }

        private String stringDestination(String ptr) {
            usedAsize = true;
            return ptr + " es:[" + (d.asize == 4 ? "edi" : "di") + "]";
        }

        private String memory(String ptr) {
            return memory(ptr, d.base, Insn.NO_REG, d.index, d.scale);
        }

        /**
         * A memory operand; {@code fixedReg} is the implicit register of string operands and XLAT
         * ({@code [esi]}, {@code [ebx]}), whose name follows the address size.
         */
        private String memory(String ptr, int base, int fixedReg, int index, int scale) {
            usedAsize = true;
            StringBuilder sb = new StringBuilder();
            if (!ptr.isEmpty()) sb.append(ptr).append(' ');
            String[] regs = d.asize == 4 ? R32 : R16;
            if (fixedReg != Insn.NO_REG) {
                if (d.segOverride) {
                    usedSeg = true;
                    sb.append(Seg.name(d.seg)).append(':');
                }
                return sb.append('[').append(regs[fixedReg]).append(']').toString();
            }
            if (base == Insn.NO_REG && index == Insn.NO_REG) {
                usedSeg = true;
                int addr = d.asize == 4 ? d.disp : d.disp & 0xFFFF;
                Optional<String> s = d.asize == 4 ? symbols.symbolAt(addr) : Optional.empty();
                if (s.isPresent()) {
                    if (d.segOverride) sb.append(Seg.name(d.seg)).append(':');
                    return sb.append('[').append(s.get()).append(String.format(" (%08x)]", addr)).toString();
                }
                sb.append(Seg.name(d.segOverride ? d.seg : Seg.DS)).append(":[");
                return sb.append(address(addr & 0xFFFFFFFFL, d.asize * 2)).append(']').toString();
            }
            if (d.segOverride) {
                usedSeg = true;
                sb.append(Seg.name(d.seg)).append(':');
            }
            sb.append('[');
            boolean first = true;
            if (base != Insn.NO_REG) {
                sb.append(regs[base]);
                first = false;
            }
            if (index != Insn.NO_REG) {
                if (!first) sb.append('+');
                sb.append(regs[index]);
                // An index alone keeps its scale of 1: [ebp*1+10h] is not [ebp+10h], which defaults to SS.
                if (scale != 0 || base == Insn.NO_REG) sb.append('*').append(1 << scale);
                first = false;
            }
            long disp = d.disp;
            if (base == Insn.NO_REG && d.asize == 4) {
                // An index with no base: the displacement is a table's address ([eax*4+80501B8Ch]).
                if (disp == 0) return sb.append(']').toString();
                long addr = disp & 0xFFFFFFFFL;
                Optional<String> s = symbols.symbolAt((int) addr);
                sb.append('+').append(s.isPresent() ? String.format("%s (%08x)", s.get(), addr) : number(addr));
                return sb.append(']').toString();
            }
            if (disp > 0) sb.append('+').append(number(disp));
            else if (disp < 0) sb.append('-').append(number(-disp));
            return sb.append(']').toString();
        }

        private String named(int target, String plain) {
            return symbols.symbolAt(target).map(s -> s + " (" + plain + ")").orElse(plain);
        }
    }

    private static long mask(int size) {
        return size == 4 ? 0xFFFFFFFFL : size == 2 ? 0xFFFFL : 0xFFL;
    }

    private static String reg(int size, int n) {
        return size == 4 ? R32[n] : size == 2 ? R16[n] : R8[n];
    }

    private static String ptr(int size) {
        return switch (size) {
            case 1 -> "byte ptr";
            case 2 -> "word ptr";
            default -> "dword ptr";
        };
    }

    /** A number in the dialect: bare digit below 10, else upper-case hex with {@code h}, leading 0 if needed. */
    static String number(long value) {
        if (value >= 0 && value < 10) return Long.toString(value);
        return withH(Long.toHexString(value).toUpperCase());
    }

    /** An absolute address: all its digits ({@code digits} of them), upper case, {@code h} suffix. */
    static String address(long value, int digits) {
        String s = Long.toHexString(value).toUpperCase();
        while (s.length() < digits) s = "0" + s;
        return withH(s);
    }

    private static String withH(String hex) {
        char c = hex.charAt(0);
        return (c >= 'A' && c <= 'F' ? "0" : "") + hex + "h";
    }
}
