package ntgate.cpu.decode;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one opcode table of ntgate: every instruction form the CPU decodes is one row here, read by the
 * decoder, the disassembler, the assembler and the test generators.
 *
 * <h2>Row format</h2>
 * {@code bytes | mnemonic | Op | operands | attributes}
 * <ul>
 *   <li><b>bytes</b>: opcode bytes in hex, then {@code /r} (ModRM with a register operand),
 *       {@code /0}..{@code /7} (ModRM whose reg field selects the row), or {@code +r} appended to the
 *       last byte (register number in the low three bits). {@code 0F} starts the two-byte map. An x87 register
 *       form is the escape byte and the ModRM byte it requires ({@code D8 C0+r}: mod = 11, the low three bits
 *       name ST(i); {@code D9 E8}: one exact ModRM byte); the x87 memory forms are {@code /digit} rows whose
 *       operand is a memory operand, so the decoder looks the two kinds up separately.</li>
 *   <li><b>mnemonic</b>: lower case; {@code a/b} gives the 16-bit and 32-bit operand-size spellings
 *       (cbw/cwde).</li>
 *   <li><b>operands</b>: SDM operand codes (Vol.2D Appendix A.2): E/G/I/J/M/O/S/C/D/R/X/Y with the size
 *       letters b (byte), w (word), d (dword), v (word or dword by operand size), z (same as v for
 *       immediates), p (far pointer), q (qword), s (6-byte pseudo-descriptor), a (BOUND pair), t (ten bytes:
 *       m80fp or m80bcd); a bare {@code M} is a memory operand of no fixed size (the x87 environment and state
 *       images, INVLPG). {@code ST} is ST(0), {@code STi} the x87 register in the ModRM byte's low bits. {@code Pq} is the MMX register in ModRM.reg,
 *       {@code Qq}/{@code Qd} an MMX register or a 64/32-bit memory operand in ModRM.rm, {@code Nq} an MMX
 *       register in ModRM.rm (register only). {@code Zb}/{@code Zv}
 *       is the register in the opcode's low bits, {@code Ibs} an 8-bit immediate sign-extended to the
 *       operand size, {@code Ap} a direct far pointer. Fixed operands are named: AL, CL, DX, eAX, 1,
 *       ES, CS, SS, DS, FS, GS.</li>
 *   <li><b>attributes</b>: {@code L} accepts LOCK; {@code R} accepts REP/REPE/REPNE (string forms);
 *       {@code B} ends a decoded block (control transfer); {@code P} needs CPL 0;
 *       {@code H} marks an ntgate-only encoding; {@code X} an undocumented alias that Intel processors execute
 *       (FSTP1, FCOM2, FXCH4, ...) but that NASM cannot write (the assembler cross-checks leave it out);
 *       {@code M} an MMX form, which a 66, F2 or F3 prefix turns into an SSE/SSE2 form (#UD: not implemented);
 *       {@code f=FLAGS} the arithmetic flags written; {@code u=FLAGS} those of them left undefined by
 *       the SDM (letters O S Z A P C). Where the SDM leaves a flag undefined, ntgate produces what
 *       current Intel hardware produces; each choice is listed in the class comment below.</li>
 * </ul>
 *
 * <h2>Undefined flags</h2>
 * Where the SDM leaves a flag undefined ntgate produces what current Intel Core processors produce:
 * <ul>
 *   <li>AND/OR/XOR/TEST: AF = 0.</li>
 *   <li>MUL/IMUL: SF, ZF, AF, PF are computed from the low half of the result as for a logic operation
 *       (SF = its top bit, ZF = low half is zero, PF = parity of the low byte), AF = 0.</li>
 *   <li>DIV/IDIV: flags are left unchanged.</li>
 *   <li>Shifts (SHL/SHR/SAR) with a non-zero count: AF = 0; OF for counts above 1 is computed as for a count
 *       of 1 applied to the last step (SHL: CF xor top bit of the result; SHR: top bit of the original
 *       operand shifted by count-1; SAR: 0).</li>
 *   <li>Rotates with a count above 1: OF as for a count of 1 (ROL: CF xor MSB of result; ROR: XOR of the two
 *       top bits of the result; RCL/RCR likewise on the result).</li>
 *   <li>SHLD/SHRD: OF as for a count of 1 on the result (sign change); AF = 0; a count greater than the
 *       operand size (16-bit forms) leaves the destination with the bits shifted in from the concatenation
 *       and flags computed from it.</li>
 *   <li>BSF/BSR with a zero source: ZF = 1, destination unchanged; CF, OF, SF, AF, PF unchanged.</li>
 *   <li>BT/BTS/BTR/BTC: OF, SF, AF, PF unchanged.</li>
 *   <li>DAA/DAS: OF = 0. AAA/AAS: OF, SF, ZF, PF computed from AL after the adjustment (SF/ZF/PF) with
 *       OF = 0. AAM/AAD: OF, AF, CF = 0.</li>
 *   <li>IMUL with three operands and two: as MUL above.</li>
 * </ul>
 *
 * <h2>Where the table departs from the SDM's opcode map</h2>
 * <ul>
 *   <li>{@code D6} (SALC) and {@code F1} are listed under their common names; {@code F1} is INT1 (ICEBP).</li>
 *   <li>{@code 90} is NOP, which takes precedence over the {@code 90+r} XCHG row (XCHG eAX,eAX).</li>
 *   <li>{@code F3 90} (PAUSE) is decoded as {@code 90} with a REP prefix and spelled {@code pause}.</li>
 *   <li>The x87 escapes follow the SDM's escape-opcode tables (Vol.2D A.5). FISTTP (SSE3) is not a row, so
 *       it is #UD as on the Pentium II. The undocumented register aliases the P6 family executes are rows with
 *       the {@code X} attribute: FSTP1 ({@code D9 D8+i}), FCOM2 ({@code DC D0+i}), FCOMP3 ({@code DC D8+i}),
 *       FXCH4 ({@code DD C8+i}), FCOMP5 ({@code DE D0+i}), FXCH7 ({@code DF C8+i}), FSTP8 ({@code DF D0+i}),
 *       FSTP9 ({@code DF D8+i}); FFREEP ({@code DF C0+i}) is listed as AMD and NASM name it. FNENI, FNDISI and
 *       FNSETPM execute as FNOP, as on the 387 and later.</li>
 *   <li>{@code 0F 1F /0} is the multi-byte NOP of the P6 family.</li>
 *   <li>{@code 0F 3F iw} ({@code hostcall n}) is ntgate's one reserved host-call encoding: in ring 0, with a
 *       host-call handler installed, it runs Java host routine {@code n} (DESIGN.md, "the gate is guest code");
 *       anywhere else it is #UD, as the undefined opcode it is on Intel processors.</li>
 * </ul>
 */
public final class OpcodeTable {
    private OpcodeTable() {}

    /** Attribute bit: the form accepts a LOCK prefix (only with a memory destination). */
    public static final int LOCKABLE = 1;
    /** Attribute bit: the form accepts REP prefixes (string instructions). */
    public static final int REPEATABLE = 2;
    /** Attribute bit: the form transfers control; a decoded block ends after it. */
    public static final int BRANCH = 4;
    /** Attribute bit: the form is privileged (CPL 0 only). */
    public static final int PRIVILEGED = 8;
    /**
     * Attribute bit: an ntgate-only encoding that no Intel processor defines (the host call); the nasm and
     * objdump cross-checks leave these rows out.
     */
    public static final int EMULATOR = 16;
    /** Attribute bit: an undocumented alias Intel processors execute; the nasm and objdump cross-checks leave it out. */
    public static final int ALIAS = 32;
    /** Attribute bit: an MMX form; with a 66, F2 or F3 prefix the encoding is an SSE form, #UD on this CPU. */
    public static final int MMX = 64;

    /** Flag bits in EFLAGS order, for the f= and u= attributes. */
    public static final int CF = 0x001, PF = 0x004, AF = 0x010, ZF = 0x040, SF = 0x080, OF = 0x800;
    public static final int OSZAPC = CF | PF | AF | ZF | SF | OF;

    /** One row of the table. */
    public record Row(
            int index,
            int[] opcode,       // opcode bytes, 0F included for the two-byte map
            int modrmDigit,     // -1: no ModRM digit; 0..7: /digit; 8: /r
            boolean plusReg,    // register in the low 3 bits of the last opcode byte
            String mnemonic16,
            String mnemonic32,
            String opName,
            int op,
            String[] operands,
            int attrs,
            int flagsWritten,
            int flagsUndefined) {

        public boolean hasModrm() {
            return modrmDigit >= 0;
        }

        public String mnemonic(boolean opsize16) {
            return opsize16 ? mnemonic16 : mnemonic32;
        }

        /** The bytes as written in the table, for messages. */
        public String bytesText() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < opcode.length; i++) {
                if (i > 0) sb.append(' ');
                sb.append(String.format("%02X", opcode[i]));
            }
            if (plusReg) sb.append("+r");
            if (modrmDigit == 8) sb.append(" /r");
            else if (modrmDigit >= 0) sb.append(" /").append(modrmDigit);
            return sb.toString();
        }

        @Override
        public String toString() {
            return bytesText() + " " + mnemonic32 + " " + String.join(",", operands);
        }
    }

    // The table. Sections follow the SDM's opcode map (Vol.2D Appendix A.3).
    private static final String TEXT = """
        # ---- one-byte map: arithmetic ----
        00 /r    | add        | ADD_EbGb   | Eb,Gb  | L f=OSZAPC
        01 /r    | add        | ADD_EvGv   | Ev,Gv  | L f=OSZAPC
        02 /r    | add        | ADD_GbEb   | Gb,Eb  | f=OSZAPC
        03 /r    | add        | ADD_GvEv   | Gv,Ev  | f=OSZAPC
        04       | add        | ADD_ALIb   | AL,Ib  | f=OSZAPC
        05       | add        | ADD_eAXIz  | eAX,Iz | f=OSZAPC
        06       | push       | PUSH_ES    | ES     |
        07       | pop        | POP_ES     | ES     |
        08 /r    | or         | OR_EbGb    | Eb,Gb  | L f=OSZAPC u=A
        09 /r    | or         | OR_EvGv    | Ev,Gv  | L f=OSZAPC u=A
        0A /r    | or         | OR_GbEb    | Gb,Eb  | f=OSZAPC u=A
        0B /r    | or         | OR_GvEv    | Gv,Ev  | f=OSZAPC u=A
        0C       | or         | OR_ALIb    | AL,Ib  | f=OSZAPC u=A
        0D       | or         | OR_eAXIz   | eAX,Iz | f=OSZAPC u=A
        0E       | push       | PUSH_CS    | CS     |
        10 /r    | adc        | ADC_EbGb   | Eb,Gb  | L f=OSZAPC
        11 /r    | adc        | ADC_EvGv   | Ev,Gv  | L f=OSZAPC
        12 /r    | adc        | ADC_GbEb   | Gb,Eb  | f=OSZAPC
        13 /r    | adc        | ADC_GvEv   | Gv,Ev  | f=OSZAPC
        14       | adc        | ADC_ALIb   | AL,Ib  | f=OSZAPC
        15       | adc        | ADC_eAXIz  | eAX,Iz | f=OSZAPC
        16       | push       | PUSH_SS    | SS     |
        17       | pop        | POP_SS     | SS     |
        18 /r    | sbb        | SBB_EbGb   | Eb,Gb  | L f=OSZAPC
        19 /r    | sbb        | SBB_EvGv   | Ev,Gv  | L f=OSZAPC
        1A /r    | sbb        | SBB_GbEb   | Gb,Eb  | f=OSZAPC
        1B /r    | sbb        | SBB_GvEv   | Gv,Ev  | f=OSZAPC
        1C       | sbb        | SBB_ALIb   | AL,Ib  | f=OSZAPC
        1D       | sbb        | SBB_eAXIz  | eAX,Iz | f=OSZAPC
        1E       | push       | PUSH_DS    | DS     |
        1F       | pop        | POP_DS     | DS     |
        20 /r    | and        | AND_EbGb   | Eb,Gb  | L f=OSZAPC u=A
        21 /r    | and        | AND_EvGv   | Ev,Gv  | L f=OSZAPC u=A
        22 /r    | and        | AND_GbEb   | Gb,Eb  | f=OSZAPC u=A
        23 /r    | and        | AND_GvEv   | Gv,Ev  | f=OSZAPC u=A
        24       | and        | AND_ALIb   | AL,Ib  | f=OSZAPC u=A
        25       | and        | AND_eAXIz  | eAX,Iz | f=OSZAPC u=A
        27       | daa        | DAA        |        | f=OSZAPC u=O
        28 /r    | sub        | SUB_EbGb   | Eb,Gb  | L f=OSZAPC
        29 /r    | sub        | SUB_EvGv   | Ev,Gv  | L f=OSZAPC
        2A /r    | sub        | SUB_GbEb   | Gb,Eb  | f=OSZAPC
        2B /r    | sub        | SUB_GvEv   | Gv,Ev  | f=OSZAPC
        2C       | sub        | SUB_ALIb   | AL,Ib  | f=OSZAPC
        2D       | sub        | SUB_eAXIz  | eAX,Iz | f=OSZAPC
        2F       | das        | DAS        |        | f=OSZAPC u=O
        30 /r    | xor        | XOR_EbGb   | Eb,Gb  | L f=OSZAPC u=A
        31 /r    | xor        | XOR_EvGv   | Ev,Gv  | L f=OSZAPC u=A
        32 /r    | xor        | XOR_GbEb   | Gb,Eb  | f=OSZAPC u=A
        33 /r    | xor        | XOR_GvEv   | Gv,Ev  | f=OSZAPC u=A
        34       | xor        | XOR_ALIb   | AL,Ib  | f=OSZAPC u=A
        35       | xor        | XOR_eAXIz  | eAX,Iz | f=OSZAPC u=A
        37       | aaa        | AAA        |        | f=OSZAPC u=OSZP
        38 /r    | cmp        | CMP_EbGb   | Eb,Gb  | f=OSZAPC
        39 /r    | cmp        | CMP_EvGv   | Ev,Gv  | f=OSZAPC
        3A /r    | cmp        | CMP_GbEb   | Gb,Eb  | f=OSZAPC
        3B /r    | cmp        | CMP_GvEv   | Gv,Ev  | f=OSZAPC
        3C       | cmp        | CMP_ALIb   | AL,Ib  | f=OSZAPC
        3D       | cmp        | CMP_eAXIz  | eAX,Iz | f=OSZAPC
        3F       | aas        | AAS        |        | f=OSZAPC u=OSZP
        40+r     | inc        | INC_Zv     | Zv     | f=OSZAP
        48+r     | dec        | DEC_Zv     | Zv     | f=OSZAP
        50+r     | push       | PUSH_Zv    | Zv     |
        58+r     | pop        | POP_Zv     | Zv     |
        60       | pusha/pushad | PUSHA    |        |
        61       | popa/popad | POPA       |        |
        62 /r    | bound      | BOUND_GvMa | Gv,Ma  |
        63 /r    | arpl       | ARPL_EwGw  | Ew,Gw  | f=Z
        68       | push       | PUSH_Iz    | Iz     |
        69 /r    | imul       | IMUL_GvEvIz | Gv,Ev,Iz | f=OSZAPC u=SZAP
        6A       | push       | PUSH_Ibs   | Ibs    |
        6B /r    | imul       | IMUL_GvEvIbs | Gv,Ev,Ibs | f=OSZAPC u=SZAP
        6C       | insb       | INSB       | Yb,DX  | R
        6D       | insw/insd | INSV       | Yv,DX  | R
        6E       | outsb      | OUTSB      | DX,Xb  | R
        6F       | outsw/outsd | OUTSV     | DX,Xv  | R
        70       | jo         | JO_Jb      | Jb     | B
        71       | jno        | JNO_Jb     | Jb     | B
        72       | jb         | JB_Jb      | Jb     | B
        73       | jae        | JAE_Jb     | Jb     | B
        74       | jz         | JZ_Jb      | Jb     | B
        75       | jnz        | JNZ_Jb     | Jb     | B
        76       | jbe        | JBE_Jb     | Jb     | B
        77       | ja         | JA_Jb      | Jb     | B
        78       | js         | JS_Jb      | Jb     | B
        79       | jns        | JNS_Jb     | Jb     | B
        7A       | jp         | JP_Jb      | Jb     | B
        7B       | jnp        | JNP_Jb     | Jb     | B
        7C       | jl         | JL_Jb      | Jb     | B
        7D       | jge        | JGE_Jb     | Jb     | B
        7E       | jle        | JLE_Jb     | Jb     | B
        7F       | jg         | JG_Jb      | Jb     | B
        80 /0    | add        | ADD_EbIb   | Eb,Ib  | L f=OSZAPC
        80 /1    | or         | OR_EbIb    | Eb,Ib  | L f=OSZAPC u=A
        80 /2    | adc        | ADC_EbIb   | Eb,Ib  | L f=OSZAPC
        80 /3    | sbb        | SBB_EbIb   | Eb,Ib  | L f=OSZAPC
        80 /4    | and        | AND_EbIb   | Eb,Ib  | L f=OSZAPC u=A
        80 /5    | sub        | SUB_EbIb   | Eb,Ib  | L f=OSZAPC
        80 /6    | xor        | XOR_EbIb   | Eb,Ib  | L f=OSZAPC u=A
        80 /7    | cmp        | CMP_EbIb   | Eb,Ib  | f=OSZAPC
        81 /0    | add        | ADD_EvIz   | Ev,Iz  | L f=OSZAPC
        81 /1    | or         | OR_EvIz    | Ev,Iz  | L f=OSZAPC u=A
        81 /2    | adc        | ADC_EvIz   | Ev,Iz  | L f=OSZAPC
        81 /3    | sbb        | SBB_EvIz   | Ev,Iz  | L f=OSZAPC
        81 /4    | and        | AND_EvIz   | Ev,Iz  | L f=OSZAPC u=A
        81 /5    | sub        | SUB_EvIz   | Ev,Iz  | L f=OSZAPC
        81 /6    | xor        | XOR_EvIz   | Ev,Iz  | L f=OSZAPC u=A
        81 /7    | cmp        | CMP_EvIz   | Ev,Iz  | f=OSZAPC
        82 /0    | add        | ADD_EbIb_82 | Eb,Ib | L f=OSZAPC
        82 /1    | or         | OR_EbIb_82  | Eb,Ib | L f=OSZAPC u=A
        82 /2    | adc        | ADC_EbIb_82 | Eb,Ib | L f=OSZAPC
        82 /3    | sbb        | SBB_EbIb_82 | Eb,Ib | L f=OSZAPC
        82 /4    | and        | AND_EbIb_82 | Eb,Ib | L f=OSZAPC u=A
        82 /5    | sub        | SUB_EbIb_82 | Eb,Ib | L f=OSZAPC
        82 /6    | xor        | XOR_EbIb_82 | Eb,Ib | L f=OSZAPC u=A
        82 /7    | cmp        | CMP_EbIb_82 | Eb,Ib | f=OSZAPC
        83 /0    | add        | ADD_EvIbs  | Ev,Ibs | L f=OSZAPC
        83 /1    | or         | OR_EvIbs   | Ev,Ibs | L f=OSZAPC u=A
        83 /2    | adc        | ADC_EvIbs  | Ev,Ibs | L f=OSZAPC
        83 /3    | sbb        | SBB_EvIbs  | Ev,Ibs | L f=OSZAPC
        83 /4    | and        | AND_EvIbs  | Ev,Ibs | L f=OSZAPC u=A
        83 /5    | sub        | SUB_EvIbs  | Ev,Ibs | L f=OSZAPC
        83 /6    | xor        | XOR_EvIbs  | Ev,Ibs | L f=OSZAPC u=A
        83 /7    | cmp        | CMP_EvIbs  | Ev,Ibs | f=OSZAPC
        84 /r    | test       | TEST_EbGb  | Eb,Gb  | f=OSZAPC u=A
        85 /r    | test       | TEST_EvGv  | Ev,Gv  | f=OSZAPC u=A
        86 /r    | xchg       | XCHG_EbGb  | Eb,Gb  | L
        87 /r    | xchg       | XCHG_EvGv  | Ev,Gv  | L
        88 /r    | mov        | MOV_EbGb   | Eb,Gb  |
        89 /r    | mov        | MOV_EvGv   | Ev,Gv  |
        8A /r    | mov        | MOV_GbEb   | Gb,Eb  |
        8B /r    | mov        | MOV_GvEv   | Gv,Ev  |
        8C /r    | mov        | MOV_EwSw   | Ev,Sw  |
        8D /r    | lea        | LEA_GvM    | Gv,M   |
        8E /r    | mov        | MOV_SwEw   | Sw,Ew  |
        8F /0    | pop        | POP_Ev     | Ev     |
        90+r     | xchg       | XCHG_ZveAX | Zv,eAX |
        90       | nop        | NOP        |        |
        98       | cbw/cwde | CBW        |        |
        99       | cwd/cdq | CWD        |        |
        9A       | call       | CALLF_Ap   | Ap     | B
        9B       | wait       | WAIT       |        |
        9C       | pushf/pushfd | PUSHF    |        |
        9D       | popf/popfd | POPF       |        | B f=OSZAPC
        9E       | sahf       | SAHF       |        | f=SZAPC
        9F       | lahf       | LAHF       |        |
        A0       | mov        | MOV_ALOb   | AL,Ob  |
        A1       | mov        | MOV_eAXOv  | eAX,Ov |
        A2       | mov        | MOV_ObAL   | Ob,AL  |
        A3       | mov        | MOV_OveAX  | Ov,eAX |
        A4       | movsb      | MOVSB      | Yb,Xb  | R
        A5       | movsw/movsd | MOVSV     | Yv,Xv  | R
        A6       | cmpsb      | CMPSB      | Xb,Yb  | R f=OSZAPC
        A7       | cmpsw/cmpsd | CMPSV     | Xv,Yv  | R f=OSZAPC
        A8       | test       | TEST_ALIb  | AL,Ib  | f=OSZAPC u=A
        A9       | test       | TEST_eAXIz | eAX,Iz | f=OSZAPC u=A
        AA       | stosb      | STOSB      | Yb,AL  | R
        AB       | stosw/stosd | STOSV     | Yv,eAX | R
        AC       | lodsb      | LODSB      | AL,Xb  | R
        AD       | lodsw/lodsd | LODSV     | eAX,Xv | R
        AE       | scasb      | SCASB      | AL,Yb  | R f=OSZAPC
        AF       | scasw/scasd | SCASV     | eAX,Yv | R f=OSZAPC
        B0+r     | mov        | MOV_ZbIb   | Zb,Ib  |
        B8+r     | mov        | MOV_ZvIv   | Zv,Iv  |
        C0 /0    | rol        | ROL_EbIb   | Eb,Ib  | f=OC u=O
        C0 /1    | ror        | ROR_EbIb   | Eb,Ib  | f=OC u=O
        C0 /2    | rcl        | RCL_EbIb   | Eb,Ib  | f=OC u=O
        C0 /3    | rcr        | RCR_EbIb   | Eb,Ib  | f=OC u=O
        C0 /4    | shl        | SHL_EbIb   | Eb,Ib  | f=OSZAPC u=OA
        C0 /5    | shr        | SHR_EbIb   | Eb,Ib  | f=OSZAPC u=OA
        C0 /6    | sal        | SAL_EbIb   | Eb,Ib  | f=OSZAPC u=OA
        C0 /7    | sar        | SAR_EbIb   | Eb,Ib  | f=OSZAPC u=OA
        C1 /0    | rol        | ROL_EvIb   | Ev,Ib  | f=OC u=O
        C1 /1    | ror        | ROR_EvIb   | Ev,Ib  | f=OC u=O
        C1 /2    | rcl        | RCL_EvIb   | Ev,Ib  | f=OC u=O
        C1 /3    | rcr        | RCR_EvIb   | Ev,Ib  | f=OC u=O
        C1 /4    | shl        | SHL_EvIb   | Ev,Ib  | f=OSZAPC u=OA
        C1 /5    | shr        | SHR_EvIb   | Ev,Ib  | f=OSZAPC u=OA
        C1 /6    | sal        | SAL_EvIb   | Ev,Ib  | f=OSZAPC u=OA
        C1 /7    | sar        | SAR_EvIb   | Ev,Ib  | f=OSZAPC u=OA
        C2       | ret        | RET_Iw     | Iw     | B
        C3       | ret        | RET        |        | B
        C4 /r    | les        | LES_GvMp   | Gv,Mp  |
        C5 /r    | lds        | LDS_GvMp   | Gv,Mp  |
        C6 /0    | mov        | MOV_EbIb   | Eb,Ib  |
        C7 /0    | mov        | MOV_EvIz   | Ev,Iz  |
        C8       | enter      | ENTER_IwIb | Iw,Ib  |
        C9       | leave      | LEAVE      |        |
        CA       | retf       | RETF_Iw    | Iw     | B
        CB       | retf       | RETF       |        | B
        CC       | int3       | INT3       |        | B
        CD       | int        | INT_Ib     | Ib     | B
        CE       | into       | INTO       |        | B
        CF       | iret/iretd | IRET       |        | B f=OSZAPC
        D0 /0    | rol        | ROL_Eb1    | Eb,1   | f=OC
        D0 /1    | ror        | ROR_Eb1    | Eb,1   | f=OC
        D0 /2    | rcl        | RCL_Eb1    | Eb,1   | f=OC
        D0 /3    | rcr        | RCR_Eb1    | Eb,1   | f=OC
        D0 /4    | shl        | SHL_Eb1    | Eb,1   | f=OSZAPC u=A
        D0 /5    | shr        | SHR_Eb1    | Eb,1   | f=OSZAPC u=A
        D0 /6    | sal        | SAL_Eb1    | Eb,1   | f=OSZAPC u=A
        D0 /7    | sar        | SAR_Eb1    | Eb,1   | f=OSZAPC u=A
        D1 /0    | rol        | ROL_Ev1    | Ev,1   | f=OC
        D1 /1    | ror        | ROR_Ev1    | Ev,1   | f=OC
        D1 /2    | rcl        | RCL_Ev1    | Ev,1   | f=OC
        D1 /3    | rcr        | RCR_Ev1    | Ev,1   | f=OC
        D1 /4    | shl        | SHL_Ev1    | Ev,1   | f=OSZAPC u=A
        D1 /5    | shr        | SHR_Ev1    | Ev,1   | f=OSZAPC u=A
        D1 /6    | sal        | SAL_Ev1    | Ev,1   | f=OSZAPC u=A
        D1 /7    | sar        | SAR_Ev1    | Ev,1   | f=OSZAPC u=A
        D2 /0    | rol        | ROL_EbCL   | Eb,CL  | f=OC u=O
        D2 /1    | ror        | ROR_EbCL   | Eb,CL  | f=OC u=O
        D2 /2    | rcl        | RCL_EbCL   | Eb,CL  | f=OC u=O
        D2 /3    | rcr        | RCR_EbCL   | Eb,CL  | f=OC u=O
        D2 /4    | shl        | SHL_EbCL   | Eb,CL  | f=OSZAPC u=OA
        D2 /5    | shr        | SHR_EbCL   | Eb,CL  | f=OSZAPC u=OA
        D2 /6    | sal        | SAL_EbCL   | Eb,CL  | f=OSZAPC u=OA
        D2 /7    | sar        | SAR_EbCL   | Eb,CL  | f=OSZAPC u=OA
        D3 /0    | rol        | ROL_EvCL   | Ev,CL  | f=OC u=O
        D3 /1    | ror        | ROR_EvCL   | Ev,CL  | f=OC u=O
        D3 /2    | rcl        | RCL_EvCL   | Ev,CL  | f=OC u=O
        D3 /3    | rcr        | RCR_EvCL   | Ev,CL  | f=OC u=O
        D3 /4    | shl        | SHL_EvCL   | Ev,CL  | f=OSZAPC u=OA
        D3 /5    | shr        | SHR_EvCL   | Ev,CL  | f=OSZAPC u=OA
        D3 /6    | sal        | SAL_EvCL   | Ev,CL  | f=OSZAPC u=OA
        D3 /7    | sar        | SAR_EvCL   | Ev,CL  | f=OSZAPC u=OA
        D4       | aam        | AAM_Ib     | Ib     | f=OSZAPC u=OAC
        D5       | aad        | AAD_Ib     | Ib     | f=OSZAPC u=OAC
        D6       | salc       | SALC       |        |
        D7       | xlatb      | XLAT       |        |
        E0       | loopne     | LOOPNE_Jb  | Jb     | B
        E1       | loope      | LOOPE_Jb   | Jb     | B
        E2       | loop       | LOOP_Jb    | Jb     | B
        E3       | jecxz      | JECXZ_Jb   | Jb     | B
        E4       | in         | IN_ALIb    | AL,Ib  |
        E5       | in         | IN_eAXIb   | eAX,Ib |
        E6       | out        | OUT_IbAL   | Ib,AL  |
        E7       | out        | OUT_IbeAX  | Ib,eAX |
        E8       | call       | CALL_Jz    | Jz     | B
        E9       | jmp        | JMP_Jz     | Jz     | B
        EA       | jmp        | JMPF_Ap    | Ap     | B
        EB       | jmp        | JMP_Jb     | Jb     | B
        EC       | in         | IN_ALDX    | AL,DX  |
        ED       | in         | IN_eAXDX   | eAX,DX |
        EE       | out        | OUT_DXAL   | DX,AL  |
        EF       | out        | OUT_DXeAX  | DX,eAX |
        F1       | int1       | INT1       |        | B
        F4       | hlt        | HLT        |        | B P
        F5       | cmc        | CMC        |        | f=C
        F6 /0    | test       | TEST_EbIb  | Eb,Ib  | f=OSZAPC u=A
        F6 /1    | test       | TEST_EbIb_F6_1 | Eb,Ib | f=OSZAPC u=A
        F6 /2    | not        | NOT_Eb     | Eb     | L
        F6 /3    | neg        | NEG_Eb     | Eb     | L f=OSZAPC
        F6 /4    | mul        | MUL_Eb     | Eb     | f=OSZAPC u=SZAP
        F6 /5    | imul       | IMUL_Eb    | Eb     | f=OSZAPC u=SZAP
        F6 /6    | div        | DIV_Eb     | Eb     | f=OSZAPC u=OSZAPC
        F6 /7    | idiv       | IDIV_Eb    | Eb     | f=OSZAPC u=OSZAPC
        F7 /0    | test       | TEST_EvIz  | Ev,Iz  | f=OSZAPC u=A
        F7 /1    | test       | TEST_EvIz_F7_1 | Ev,Iz | f=OSZAPC u=A
        F7 /2    | not        | NOT_Ev     | Ev     | L
        F7 /3    | neg        | NEG_Ev     | Ev     | L f=OSZAPC
        F7 /4    | mul        | MUL_Ev     | Ev     | f=OSZAPC u=SZAP
        F7 /5    | imul       | IMUL_Ev    | Ev     | f=OSZAPC u=SZAP
        F7 /6    | div        | DIV_Ev     | Ev     | f=OSZAPC u=OSZAPC
        F7 /7    | idiv       | IDIV_Ev    | Ev     | f=OSZAPC u=OSZAPC
        F8       | clc        | CLC        |        | f=C
        F9       | stc        | STC        |        | f=C
        FA       | cli        | CLI        |        |
        FB       | sti        | STI        |        |
        FC       | cld        | CLD        |        |
        FD       | std        | STD        |        |
        FE /0    | inc        | INC_Eb     | Eb     | L f=OSZAP
        FE /1    | dec        | DEC_Eb     | Eb     | L f=OSZAP
        FF /0    | inc        | INC_Ev     | Ev     | L f=OSZAP
        FF /1    | dec        | DEC_Ev     | Ev     | L f=OSZAP
        FF /2    | call       | CALL_Ev    | Ev     | B
        FF /3    | call       | CALLF_Mp   | Mp     | B
        FF /4    | jmp        | JMP_Ev     | Ev     | B
        FF /5    | jmp        | JMPF_Mp    | Mp     | B
        FF /6    | push       | PUSH_Ev    | Ev     |
        # ---- x87 escapes D8..DF (SDM Vol.2D A.5): memory forms by ModRM.reg, register forms by the ModRM byte ----
        D8 /0    | fadd       | FADD_Md       | Md     |
        D8 /1    | fmul       | FMUL_Md       | Md     |
        D8 /2    | fcom       | FCOM_Md       | Md     |
        D8 /3    | fcomp      | FCOMP_Md      | Md     |
        D8 /4    | fsub       | FSUB_Md       | Md     |
        D8 /5    | fsubr      | FSUBR_Md      | Md     |
        D8 /6    | fdiv       | FDIV_Md       | Md     |
        D8 /7    | fdivr      | FDIVR_Md      | Md     |
        D8 C0+r  | fadd       | FADD_STSTi    | ST,STi |
        D8 C8+r  | fmul       | FMUL_STSTi    | ST,STi |
        D8 D0+r  | fcom       | FCOM_STi      | STi    |
        D8 D8+r  | fcomp      | FCOMP_STi     | STi    |
        D8 E0+r  | fsub       | FSUB_STSTi    | ST,STi |
        D8 E8+r  | fsubr      | FSUBR_STSTi   | ST,STi |
        D8 F0+r  | fdiv       | FDIV_STSTi    | ST,STi |
        D8 F8+r  | fdivr      | FDIVR_STSTi   | ST,STi |
        D9 /0    | fld        | FLD_Md        | Md     |
        D9 /2    | fst        | FST_Md        | Md     |
        D9 /3    | fstp       | FSTP_Md       | Md     |
        D9 /4    | fldenv     | FLDENV_M      | M      |
        D9 /5    | fldcw      | FLDCW_Mw      | Mw     |
        D9 /6    | fnstenv    | FNSTENV_M     | M      |
        D9 /7    | fnstcw     | FNSTCW_Mw     | Mw     |
        D9 C0+r  | fld        | FLD_STi       | STi    |
        D9 C8+r  | fxch       | FXCH_STi      | STi    |
        D9 D0    | fnop       | FNOP          |        |
        D9 D8+r  | fstp1      | FSTP1_STi     | STi    | X
        D9 E0    | fchs       | FCHS          |        |
        D9 E1    | fabs       | FABS          |        |
        D9 E4    | ftst       | FTST          |        |
        D9 E5    | fxam       | FXAM          |        |
        D9 E8    | fld1       | FLD1          |        |
        D9 E9    | fldl2t     | FLDL2T        |        |
        D9 EA    | fldl2e     | FLDL2E        |        |
        D9 EB    | fldpi      | FLDPI         |        |
        D9 EC    | fldlg2     | FLDLG2        |        |
        D9 ED    | fldln2     | FLDLN2        |        |
        D9 EE    | fldz       | FLDZ          |        |
        D9 F0    | f2xm1      | F2XM1         |        |
        D9 F1    | fyl2x      | FYL2X         |        |
        D9 F2    | fptan      | FPTAN         |        |
        D9 F3    | fpatan     | FPATAN        |        |
        D9 F4    | fxtract    | FXTRACT       |        |
        D9 F5    | fprem1     | FPREM1        |        |
        D9 F6    | fdecstp    | FDECSTP       |        |
        D9 F7    | fincstp    | FINCSTP       |        |
        D9 F8    | fprem      | FPREM         |        |
        D9 F9    | fyl2xp1    | FYL2XP1       |        |
        D9 FA    | fsqrt      | FSQRT         |        |
        D9 FB    | fsincos    | FSINCOS       |        |
        D9 FC    | frndint    | FRNDINT       |        |
        D9 FD    | fscale     | FSCALE        |        |
        D9 FE    | fsin       | FSIN          |        |
        D9 FF    | fcos       | FCOS          |        |
        DA /0    | fiadd      | FIADD_Md      | Md     |
        DA /1    | fimul      | FIMUL_Md      | Md     |
        DA /2    | ficom      | FICOM_Md      | Md     |
        DA /3    | ficomp     | FICOMP_Md     | Md     |
        DA /4    | fisub      | FISUB_Md      | Md     |
        DA /5    | fisubr     | FISUBR_Md     | Md     |
        DA /6    | fidiv      | FIDIV_Md      | Md     |
        DA /7    | fidivr     | FIDIVR_Md     | Md     |
        DA C0+r  | fcmovb     | FCMOVB_STSTi  | ST,STi |
        DA C8+r  | fcmove     | FCMOVE_STSTi  | ST,STi |
        DA D0+r  | fcmovbe    | FCMOVBE_STSTi | ST,STi |
        DA D8+r  | fcmovu     | FCMOVU_STSTi  | ST,STi |
        DA E9    | fucompp    | FUCOMPP       |        |
        DB /0    | fild       | FILD_Md       | Md     |
        DB /2    | fist       | FIST_Md       | Md     |
        DB /3    | fistp      | FISTP_Md      | Md     |
        DB /5    | fld        | FLD_Mt        | Mt     |
        DB /7    | fstp       | FSTP_Mt       | Mt     |
        DB C0+r  | fcmovnb    | FCMOVNB_STSTi | ST,STi |
        DB C8+r  | fcmovne    | FCMOVNE_STSTi | ST,STi |
        DB D0+r  | fcmovnbe   | FCMOVNBE_STSTi | ST,STi |
        DB D8+r  | fcmovnu    | FCMOVNU_STSTi | ST,STi |
        DB E0    | fneni      | FNENI         |        |
        DB E1    | fndisi     | FNDISI        |        |
        DB E2    | fnclex     | FNCLEX        |        |
        DB E3    | fninit     | FNINIT        |        |
        DB E4    | fnsetpm    | FNSETPM       |        |
        DB E8+r  | fucomi     | FUCOMI_STSTi  | ST,STi | f=OSZAPC
        DB F0+r  | fcomi      | FCOMI_STSTi   | ST,STi | f=OSZAPC
        DC /0    | fadd       | FADD_Mq       | Mq     |
        DC /1    | fmul       | FMUL_Mq       | Mq     |
        DC /2    | fcom       | FCOM_Mq       | Mq     |
        DC /3    | fcomp      | FCOMP_Mq      | Mq     |
        DC /4    | fsub       | FSUB_Mq       | Mq     |
        DC /5    | fsubr      | FSUBR_Mq      | Mq     |
        DC /6    | fdiv       | FDIV_Mq       | Mq     |
        DC /7    | fdivr      | FDIVR_Mq      | Mq     |
        DC C0+r  | fadd       | FADD_STiST    | STi,ST |
        DC C8+r  | fmul       | FMUL_STiST    | STi,ST |
        DC D0+r  | fcom2      | FCOM2_STi     | STi    | X
        DC D8+r  | fcomp3     | FCOMP3_STi    | STi    | X
        DC E0+r  | fsubr      | FSUBR_STiST   | STi,ST |
        DC E8+r  | fsub       | FSUB_STiST    | STi,ST |
        DC F0+r  | fdivr      | FDIVR_STiST   | STi,ST |
        DC F8+r  | fdiv       | FDIV_STiST    | STi,ST |
        DD /0    | fld        | FLD_Mq        | Mq     |
        DD /2    | fst        | FST_Mq        | Mq     |
        DD /3    | fstp       | FSTP_Mq       | Mq     |
        DD /4    | frstor     | FRSTOR_M      | M      |
        DD /6    | fnsave     | FNSAVE_M      | M      |
        DD /7    | fnstsw     | FNSTSW_Mw     | Mw     |
        DD C0+r  | ffree      | FFREE_STi     | STi    |
        DD C8+r  | fxch4      | FXCH4_STi     | STi    | X
        DD D0+r  | fst        | FST_STi       | STi    |
        DD D8+r  | fstp       | FSTP_STi      | STi    |
        DD E0+r  | fucom      | FUCOM_STi     | STi    |
        DD E8+r  | fucomp     | FUCOMP_STi    | STi    |
        DE /0    | fiadd      | FIADD_Mw      | Mw     |
        DE /1    | fimul      | FIMUL_Mw      | Mw     |
        DE /2    | ficom      | FICOM_Mw      | Mw     |
        DE /3    | ficomp     | FICOMP_Mw     | Mw     |
        DE /4    | fisub      | FISUB_Mw      | Mw     |
        DE /5    | fisubr     | FISUBR_Mw     | Mw     |
        DE /6    | fidiv      | FIDIV_Mw      | Mw     |
        DE /7    | fidivr     | FIDIVR_Mw     | Mw     |
        DE C0+r  | faddp      | FADDP_STiST   | STi,ST |
        DE C8+r  | fmulp      | FMULP_STiST   | STi,ST |
        DE D0+r  | fcomp5     | FCOMP5_STi    | STi    | X
        DE D9    | fcompp     | FCOMPP        |        |
        DE E0+r  | fsubrp     | FSUBRP_STiST  | STi,ST |
        DE E8+r  | fsubp      | FSUBP_STiST   | STi,ST |
        DE F0+r  | fdivrp     | FDIVRP_STiST  | STi,ST |
        DE F8+r  | fdivp      | FDIVP_STiST   | STi,ST |
        DF /0    | fild       | FILD_Mw       | Mw     |
        DF /2    | fist       | FIST_Mw       | Mw     |
        DF /3    | fistp      | FISTP_Mw      | Mw     |
        DF /4    | fbld       | FBLD_Mt       | Mt     |
        DF /5    | fild       | FILD_Mq       | Mq     |
        DF /6    | fbstp      | FBSTP_Mt      | Mt     |
        DF /7    | fistp      | FISTP_Mq      | Mq     |
        DF C0+r  | ffreep     | FFREEP_STi    | STi    |
        DF C8+r  | fxch7      | FXCH7_STi     | STi    | X
        DF D0+r  | fstp8      | FSTP8_STi     | STi    | X
        DF D8+r  | fstp9      | FSTP9_STi     | STi    | X
        DF E0    | fnstsw     | FNSTSW_AX     | AX     |
        DF E8+r  | fucomip    | FUCOMIP_STSTi | ST,STi | f=OSZAPC
        DF F0+r  | fcomip     | FCOMIP_STSTi  | ST,STi | f=OSZAPC
        # ---- two-byte map (0F xx) ----
        0F 00 /0 | sldt       | SLDT_Ew    | Ew     |
        0F 00 /1 | str        | STR_Ew     | Ew     |
        0F 00 /2 | lldt       | LLDT_Ew    | Ew     | P
        0F 00 /3 | ltr        | LTR_Ew     | Ew     | P
        0F 00 /4 | verr       | VERR_Ew    | Ew     | f=Z
        0F 00 /5 | verw       | VERW_Ew    | Ew     | f=Z
        0F 01 /0 | sgdt       | SGDT_Ms    | Ms     |
        0F 01 /1 | sidt       | SIDT_Ms    | Ms     |
        0F 01 /2 | lgdt       | LGDT_Ms    | Ms     | P
        0F 01 /3 | lidt       | LIDT_Ms    | Ms     | P
        0F 01 /4 | smsw       | SMSW_Ew    | Ew     |
        0F 01 /6 | lmsw       | LMSW_Ew    | Ew     | P
        0F 01 /7 | invlpg     | INVLPG_M   | M      | P
        0F 02 /r | lar        | LAR_GvEw   | Gv,Ew  | f=Z
        0F 03 /r | lsl        | LSL_GvEw   | Gv,Ew  | f=Z
        0F 06    | clts       | CLTS       |        | P
        0F 08    | invd       | INVD       |        | P
        0F 09    | wbinvd     | WBINVD     |        | P
        0F 0B    | ud2        | UD2        |        |
        0F 1F /0 | nop        | NOP_Ev     | Ev     |
        0F 20 /r | mov        | MOV_RdCd   | Rd,Cd  | P
        0F 21 /r | mov        | MOV_RdDd   | Rd,Dd  | P
        0F 22 /r | mov        | MOV_CdRd   | Cd,Rd  | B P
        0F 23 /r | mov        | MOV_DdRd   | Dd,Rd  | P
        0F 30    | wrmsr      | WRMSR      |        | P
        0F 31    | rdtsc      | RDTSC      |        |
        0F 32    | rdmsr      | RDMSR      |        | P
        0F 33    | rdpmc      | RDPMC      |        |
        0F 34    | sysenter   | SYSENTER   |        | B
        0F 35    | sysexit    | SYSEXIT    |        | B P
        0F 3F    | hostcall   | HOSTCALL   | Iw     | B H
        0F 40 /r | cmovo      | CMOVO      | Gv,Ev  |
        0F 41 /r | cmovno     | CMOVNO     | Gv,Ev  |
        0F 42 /r | cmovb      | CMOVB      | Gv,Ev  |
        0F 43 /r | cmovae     | CMOVAE     | Gv,Ev  |
        0F 44 /r | cmovz      | CMOVZ      | Gv,Ev  |
        0F 45 /r | cmovnz     | CMOVNZ     | Gv,Ev  |
        0F 46 /r | cmovbe     | CMOVBE     | Gv,Ev  |
        0F 47 /r | cmova      | CMOVA      | Gv,Ev  |
        0F 48 /r | cmovs      | CMOVS      | Gv,Ev  |
        0F 49 /r | cmovns     | CMOVNS     | Gv,Ev  |
        0F 4A /r | cmovp      | CMOVP      | Gv,Ev  |
        0F 4B /r | cmovnp     | CMOVNP     | Gv,Ev  |
        0F 4C /r | cmovl      | CMOVL      | Gv,Ev  |
        0F 4D /r | cmovge     | CMOVGE     | Gv,Ev  |
        0F 4E /r | cmovle     | CMOVLE     | Gv,Ev  |
        0F 4F /r | cmovg      | CMOVG      | Gv,Ev  |
        0F 80    | jo         | JO_Jz      | Jz     | B
        0F 81    | jno        | JNO_Jz     | Jz     | B
        0F 82    | jb         | JB_Jz      | Jz     | B
        0F 83    | jae        | JAE_Jz     | Jz     | B
        0F 84    | jz         | JZ_Jz      | Jz     | B
        0F 85    | jnz        | JNZ_Jz     | Jz     | B
        0F 86    | jbe        | JBE_Jz     | Jz     | B
        0F 87    | ja         | JA_Jz      | Jz     | B
        0F 88    | js         | JS_Jz      | Jz     | B
        0F 89    | jns        | JNS_Jz     | Jz     | B
        0F 8A    | jp         | JP_Jz      | Jz     | B
        0F 8B    | jnp        | JNP_Jz     | Jz     | B
        0F 8C    | jl         | JL_Jz      | Jz     | B
        0F 8D    | jge        | JGE_Jz     | Jz     | B
        0F 8E    | jle        | JLE_Jz     | Jz     | B
        0F 8F    | jg         | JG_Jz      | Jz     | B
        0F 90 /r | seto       | SETO       | Eb     |
        0F 91 /r | setno      | SETNO      | Eb     |
        0F 92 /r | setb       | SETB       | Eb     |
        0F 93 /r | setae      | SETAE      | Eb     |
        0F 94 /r | setz       | SETZ       | Eb     |
        0F 95 /r | setnz      | SETNZ      | Eb     |
        0F 96 /r | setbe      | SETBE      | Eb     |
        0F 97 /r | seta       | SETA       | Eb     |
        0F 98 /r | sets       | SETS       | Eb     |
        0F 99 /r | setns      | SETNS      | Eb     |
        0F 9A /r | setp       | SETP       | Eb     |
        0F 9B /r | setnp      | SETNP      | Eb     |
        0F 9C /r | setl       | SETL       | Eb     |
        0F 9D /r | setge      | SETGE      | Eb     |
        0F 9E /r | setle      | SETLE      | Eb     |
        0F 9F /r | setg       | SETG       | Eb     |
        0F A0    | push       | PUSH_FS    | FS     |
        0F A1    | pop        | POP_FS     | FS     |
        0F A2    | cpuid      | CPUID      |        |
        0F A3 /r | bt         | BT_EvGv    | Ev,Gv  | f=OSZAPC u=OSAP
        0F A4 /r | shld       | SHLD_EvGvIb | Ev,Gv,Ib | f=OSZAPC u=OA
        0F A5 /r | shld       | SHLD_EvGvCL | Ev,Gv,CL | f=OSZAPC u=OA
        0F A8    | push       | PUSH_GS    | GS     |
        0F A9    | pop        | POP_GS     | GS     |
        0F AB /r | bts        | BTS_EvGv   | Ev,Gv  | L f=OSZAPC u=OSAP
        0F AC /r | shrd       | SHRD_EvGvIb | Ev,Gv,Ib | f=OSZAPC u=OA
        0F AD /r | shrd       | SHRD_EvGvCL | Ev,Gv,CL | f=OSZAPC u=OA
        0F AF /r | imul       | IMUL_GvEv  | Gv,Ev  | f=OSZAPC u=SZAP
        0F B0 /r | cmpxchg    | CMPXCHG_EbGb | Eb,Gb | L f=OSZAPC
        0F B1 /r | cmpxchg    | CMPXCHG_EvGv | Ev,Gv | L f=OSZAPC
        0F B2 /r | lss        | LSS_GvMp   | Gv,Mp  |
        0F B3 /r | btr        | BTR_EvGv   | Ev,Gv  | L f=OSZAPC u=OSAP
        0F B4 /r | lfs        | LFS_GvMp   | Gv,Mp  |
        0F B5 /r | lgs        | LGS_GvMp   | Gv,Mp  |
        0F B6 /r | movzx      | MOVZX_GvEb | Gv,Eb  |
        0F B7 /r | movzx      | MOVZX_GvEw | Gv,Ew  |
        0F BA /4 | bt         | BT_EvIb    | Ev,Ib  | f=OSZAPC u=OSAP
        0F BA /5 | bts        | BTS_EvIb   | Ev,Ib  | L f=OSZAPC u=OSAP
        0F BA /6 | btr        | BTR_EvIb   | Ev,Ib  | L f=OSZAPC u=OSAP
        0F BA /7 | btc        | BTC_EvIb   | Ev,Ib  | L f=OSZAPC u=OSAP
        0F BB /r | btc        | BTC_EvGv   | Ev,Gv  | L f=OSZAPC u=OSAP
        0F BC /r | bsf        | BSF_GvEv   | Gv,Ev  | f=OSZAPC u=OSACP
        0F BD /r | bsr        | BSR_GvEv   | Gv,Ev  | f=OSZAPC u=OSACP
        0F BE /r | movsx      | MOVSX_GvEb | Gv,Eb  |
        0F BF /r | movsx      | MOVSX_GvEw | Gv,Ew  |
        0F C0 /r | xadd       | XADD_EbGb  | Eb,Gb  | L f=OSZAPC
        0F C1 /r | xadd       | XADD_EvGv  | Ev,Gv  | L f=OSZAPC
        0F C7 /1 | cmpxchg8b  | CMPXCHG8B_Mq | Mq   | L f=Z
        0F C8+r  | bswap      | BSWAP_Zd   | Zd     |
        # ---- MMX (0F map; no 66/F2/F3 prefix: those are SSE/SSE2 forms, #UD here) ----
        0F 60 /r | punpcklbw  | PUNPCKLBW_PqQd  | Pq,Qd  | M
        0F 61 /r | punpcklwd  | PUNPCKLWD_PqQd  | Pq,Qd  | M
        0F 62 /r | punpckldq  | PUNPCKLDQ_PqQd  | Pq,Qd  | M
        0F 63 /r | packsswb   | PACKSSWB_PqQq   | Pq,Qq  | M
        0F 64 /r | pcmpgtb    | PCMPGTB_PqQq    | Pq,Qq  | M
        0F 65 /r | pcmpgtw    | PCMPGTW_PqQq    | Pq,Qq  | M
        0F 66 /r | pcmpgtd    | PCMPGTD_PqQq    | Pq,Qq  | M
        0F 67 /r | packuswb   | PACKUSWB_PqQq   | Pq,Qq  | M
        0F 68 /r | punpckhbw  | PUNPCKHBW_PqQq  | Pq,Qq  | M
        0F 69 /r | punpckhwd  | PUNPCKHWD_PqQq  | Pq,Qq  | M
        0F 6A /r | punpckhdq  | PUNPCKHDQ_PqQq  | Pq,Qq  | M
        0F 6B /r | packssdw   | PACKSSDW_PqQq   | Pq,Qq  | M
        0F 6E /r | movd       | MOVD_PqEd       | Pq,Ed  | M
        0F 6F /r | movq       | MOVQ_PqQq       | Pq,Qq  | M
        0F 71 /2 | psrlw      | PSRLW_NqIb      | Nq,Ib  | M
        0F 71 /4 | psraw      | PSRAW_NqIb      | Nq,Ib  | M
        0F 71 /6 | psllw      | PSLLW_NqIb      | Nq,Ib  | M
        0F 72 /2 | psrld      | PSRLD_NqIb      | Nq,Ib  | M
        0F 72 /4 | psrad      | PSRAD_NqIb      | Nq,Ib  | M
        0F 72 /6 | pslld      | PSLLD_NqIb      | Nq,Ib  | M
        0F 73 /2 | psrlq      | PSRLQ_NqIb      | Nq,Ib  | M
        0F 73 /6 | psllq      | PSLLQ_NqIb      | Nq,Ib  | M
        0F 74 /r | pcmpeqb    | PCMPEQB_PqQq    | Pq,Qq  | M
        0F 75 /r | pcmpeqw    | PCMPEQW_PqQq    | Pq,Qq  | M
        0F 76 /r | pcmpeqd    | PCMPEQD_PqQq    | Pq,Qq  | M
        0F 77    | emms       | EMMS            |        | M
        0F 7E /r | movd       | MOVD_EdPq       | Ed,Pq  | M
        0F 7F /r | movq       | MOVQ_QqPq       | Qq,Pq  | M
        0F D1 /r | psrlw      | PSRLW_PqQq      | Pq,Qq  | M
        0F D2 /r | psrld      | PSRLD_PqQq      | Pq,Qq  | M
        0F D3 /r | psrlq      | PSRLQ_PqQq      | Pq,Qq  | M
        0F D5 /r | pmullw     | PMULLW_PqQq     | Pq,Qq  | M
        0F D8 /r | psubusb    | PSUBUSB_PqQq    | Pq,Qq  | M
        0F D9 /r | psubusw    | PSUBUSW_PqQq    | Pq,Qq  | M
        0F DB /r | pand       | PAND_PqQq       | Pq,Qq  | M
        0F DC /r | paddusb    | PADDUSB_PqQq    | Pq,Qq  | M
        0F DD /r | paddusw    | PADDUSW_PqQq    | Pq,Qq  | M
        0F DF /r | pandn      | PANDN_PqQq      | Pq,Qq  | M
        0F E1 /r | psraw      | PSRAW_PqQq      | Pq,Qq  | M
        0F E2 /r | psrad      | PSRAD_PqQq      | Pq,Qq  | M
        0F E5 /r | pmulhw     | PMULHW_PqQq     | Pq,Qq  | M
        0F E8 /r | psubsb     | PSUBSB_PqQq     | Pq,Qq  | M
        0F E9 /r | psubsw     | PSUBSW_PqQq     | Pq,Qq  | M
        0F EB /r | por        | POR_PqQq        | Pq,Qq  | M
        0F EC /r | paddsb     | PADDSB_PqQq     | Pq,Qq  | M
        0F ED /r | paddsw     | PADDSW_PqQq     | Pq,Qq  | M
        0F EF /r | pxor       | PXOR_PqQq       | Pq,Qq  | M
        0F F1 /r | psllw      | PSLLW_PqQq      | Pq,Qq  | M
        0F F2 /r | pslld      | PSLLD_PqQq      | Pq,Qq  | M
        0F F3 /r | psllq      | PSLLQ_PqQq      | Pq,Qq  | M
        0F F5 /r | pmaddwd    | PMADDWD_PqQq    | Pq,Qq  | M
        0F F8 /r | psubb      | PSUBB_PqQq      | Pq,Qq  | M
        0F F9 /r | psubw      | PSUBW_PqQq      | Pq,Qq  | M
        0F FA /r | psubd      | PSUBD_PqQq      | Pq,Qq  | M
        0F FC /r | paddb      | PADDB_PqQq      | Pq,Qq  | M
        0F FD /r | paddw      | PADDW_PqQq      | Pq,Qq  | M
        0F FE /r | paddd      | PADDD_PqQq      | Pq,Qq  | M
        """;

    private static final List<Row> ROWS;
    private static final Map<String, Integer> OP_IDS;

    static {
        OP_IDS = opIds();
        ROWS = Collections.unmodifiableList(parse(TEXT, OP_IDS));
    }

    /** All rows in table order. */
    public static List<Row> rows() {
        return ROWS;
    }

    /** The id of the Op constant named {@code name}, or -1. */
    public static int opId(String name) {
        Integer v = OP_IDS.get(name);
        return v == null ? -1 : v;
    }

    /** The constant names of {@link Op}, by value. */
    public static Map<String, Integer> opIdMap() {
        return Collections.unmodifiableMap(OP_IDS);
    }

    private static Map<String, Integer> opIds() {
        Map<String, Integer> m = new HashMap<>();
        for (Field f : Op.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    m.put(f.getName(), f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
        }
        return m;
    }

    private static List<Row> parse(String text, Map<String, Integer> ids) {
        List<Row> rows = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            // The mnemonic column may itself hold a '|' (cbw|cwde), so it is whatever lies between the first
            // column and the last three.
            String[] cols = line.split("\\|", -1);
            if (cols.length == 6) cols = new String[] {cols[0], cols[1] + "|" + cols[2], cols[3], cols[4], cols[5]};
            if (cols.length != 5) throw new IllegalStateException("opcode table line " + lineNo + ": " + line);
            String bytes = cols[0].strip();
            String mnem = cols[1].strip();
            String opName = cols[2].strip();
            String operands = cols[3].strip();
            String attrText = cols[4].strip();

            List<Integer> op = new ArrayList<>();
            int digit = -1;
            boolean plus = false;
            for (String tok : bytes.split("\\s+")) {
                if (tok.equals("/r")) {
                    digit = 8;
                } else if (tok.startsWith("/")) {
                    digit = Integer.parseInt(tok.substring(1));
                } else if (tok.endsWith("+r")) {
                    plus = true;
                    op.add(Integer.parseInt(tok.substring(0, tok.length() - 2), 16));
                } else {
                    op.add(Integer.parseInt(tok, 16));
                }
            }
            String m16 = mnem, m32 = mnem;
            int bar = mnem.indexOf('/');
            if (bar >= 0) {
                m16 = mnem.substring(0, bar);
                m32 = mnem.substring(bar + 1);
            }
            Integer id = ids.get(opName);
            if (id == null) throw new IllegalStateException("opcode table line " + lineNo + ": no Op." + opName);
            int attrs = 0, fw = 0, fu = 0;
            for (String a : attrText.split("\\s+")) {
                if (a.isEmpty()) continue;
                switch (a) {
                    case "L" -> attrs |= LOCKABLE;
                    case "R" -> attrs |= REPEATABLE;
                    case "B" -> attrs |= BRANCH;
                    case "P" -> attrs |= PRIVILEGED;
                    case "H" -> attrs |= EMULATOR;
                    case "X" -> attrs |= ALIAS;
                    case "M" -> attrs |= MMX;
                    default -> {
                        if (a.startsWith("f=")) fw = flagLetters(a.substring(2));
                        else if (a.startsWith("u=")) fu = flagLetters(a.substring(2));
                        else throw new IllegalStateException("opcode table line " + lineNo + ": attribute " + a);
                    }
                }
            }
            int[] opc = op.stream().mapToInt(Integer::intValue).toArray();
            String[] opnds = operands.isEmpty() ? new String[0] : operands.split(",");
            rows.add(new Row(rows.size(), opc, digit, plus, m16, m32, opName, id, opnds, attrs, fw, fu));
        }
        return rows;
    }

    private static int flagLetters(String s) {
        int m = 0;
        for (char c : s.toCharArray()) {
            m |= switch (c) {
                case 'O' -> OF;
                case 'S' -> SF;
                case 'Z' -> ZF;
                case 'A' -> AF;
                case 'P' -> PF;
                case 'C' -> CF;
                default -> throw new IllegalStateException("flag letter " + c);
            };
        }
        return m;
    }
}
