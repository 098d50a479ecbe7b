package ntgate.asm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-checked vectors for every instruction family, the expected text worked out from the SDM's encoding
 * tables (ModRM/SIB: Vol.2A 2.1.5; 16-bit forms: table 2-1) and the dialect of {@link Disassembler}.
 * Each vector is {@code bytes | expected text}; 32-bit code at 804d7000 unless a section says otherwise.
 */
class DisasmVectorsTest {

    private static final String CODE32 = """
        # arithmetic and immediates
        01 d8                   | add eax,ebx
        83 c4 0c                | add esp,0Ch
        83 c4 f8                | add esp,0FFFFFFF8h
        66 83 c4 f8             | add sp,0FFF8h
        66 05 34 12             | add ax,1234h
        04 7f                   | add al,7Fh
        2b 45 fc                | sub eax,dword ptr [ebp-4]
        80 3d 00 10 40 00 05    | cmp byte ptr ds:[00401000h],5
        81 e1 00 f0 ff ff       | and ecx,0FFFFF000h
        f6 c4 01                | test ah,1
        35 ff 00 00 00          | xor eax,0FFh
        # ModRM and SIB
        8b 44 9e 10             | mov eax,dword ptr [esi+ebx*4+10h]
        8b 04 24                | mov eax,dword ptr [esp]
        8b 45 00                | mov eax,dword ptr [ebp]
        8b 04 18                | mov eax,dword ptr [eax+ebx]
        8b 04 8d a0 3f 55 80    | mov eax,dword ptr [ecx*4+80553FA0h]
        8b 04 25 24 01 00 00    | mov eax,dword ptr ds:[00000124h]
        8b 80 00 00 00 80       | mov eax,dword ptr [eax-80000000h]
        89 b5 68 ff ff ff       | mov dword ptr [ebp-98h],esi
        8a 8e 24 01 00 00       | mov cl,byte ptr [esi+124h]
        # 16-bit addressing and operand size
        67 8b 46 08             | mov eax,dword ptr [bp+8]
        67 8b 00                | mov eax,dword ptr [bx+si]
        67 8b 06 34 12          | mov eax,dword ptr ds:[1234h]
        67 66 8b 41 fe          | mov ax,word ptr [bx+di-2]
        66 8b c8                | mov cx,ax
        # segment overrides
        64 a1 24 01 00 00       | mov eax,dword ptr fs:[00000124h]
        64 8b 0d 1c 00 00 00    | mov ecx,dword ptr fs:[0000001Ch]
        64 8b 00                | mov eax,dword ptr fs:[eax]
        26 88 07                | mov byte ptr es:[edi],al
        3e 8b 00                | mov eax,dword ptr ds:[eax]
        # moffs
        a1 00 03 fe 7f          | mov eax,dword ptr ds:[7FFE0300h]
        a2 00 00 df ff          | mov byte ptr ds:[0FFDF0000h],al
        66 a3 10 00 00 00       | mov word ptr ds:[00000010h],ax
        # prefixes
        f0 0f c1 08             | lock xadd dword ptr [eax],ecx
        f0 0f c7 0e             | lock cmpxchg8b qword ptr [esi]
        f3 90                   | pause
        f3 01 c0                | rep add eax,eax
        f2 01 c0                | repne add eax,eax
        2e 74 00                | cs jz 804d7003
        66 90                   | data16 nop
        66 f4                   | data16 hlt
        67 e2 fe                | addr16 loop 804d7001
        f0 66 64 01 10          | lock add word ptr fs:[eax],dx
        # string instructions
        f3 a5                   | rep movs dword ptr es:[edi],dword ptr [esi]
        f3 a6                   | repe cmps byte ptr [esi],byte ptr es:[edi]
        f2 ae                   | repne scas al,byte ptr es:[edi]
        f2 a4                   | repne movs byte ptr es:[edi],byte ptr [esi]
        aa                      | stos byte ptr es:[edi],al
        ad                      | lods eax,dword ptr [esi]
        66 a5                   | movs word ptr es:[edi],word ptr [esi]
        64 a4                   | movs byte ptr es:[edi],byte ptr fs:[esi]
        67 a4                   | movs byte ptr es:[di],byte ptr [si]
        64 aa                   | fs stos byte ptr es:[edi],al
        6c                      | ins byte ptr es:[edi],dx
        6f                      | outs dx,dword ptr [esi]
        d7                      | xlat byte ptr [ebx]
        64 d7                   | xlat byte ptr fs:[ebx]
        # relative branches
        74 fe                   | jz 804d7000
        75 10                   | jnz 804d7012
        e8 00 00 00 00          | call 804d7005
        e9 fb ff ff ff          | jmp 804d7000
        eb 00                   | jmp 804d7002
        0f 85 10 00 00 00       | jnz 804d7016
        0f 8c f0 ff ff ff       | jl 804d6ff6
        e2 fe                   | loop 804d7000
        e1 fe                   | loope 804d7000
        e0 fe                   | loopne 804d7000
        e3 00                   | jecxz 804d7002
        67 e3 00                | jcxz 804d7003
        66 e9 00 00             | jmpw 00007004
        66 e8 fc ff             | callw 00007000
        66 eb fe                | jmpw 00007001
        # far transfers
        ea 00 10 40 00 08 00    | jmp 0008:00401000
        9a 78 56 34 12 1b 00    | call 001b:12345678
        66 ea 00 10 08 00       | jmp 0008:1000
        ff 2d 00 10 40 00       | jmp fword ptr ds:[00401000h]
        ff 18                   | call fword ptr [eax]
        66 ff 18                | call far dword ptr [eax]
        66 ff 28                | jmp far dword ptr [eax]
        ff 10                   | call dword ptr [eax]
        ff 15 00 03 fe 7f       | call dword ptr ds:[7FFE0300h]
        ff 24 85 00 10 40 00    | jmp dword ptr [eax*4+401000h]
        8b 04 2d 10 00 00 00    | mov eax,dword ptr [ebp*1+10h]
        8b 45 10                | mov eax,dword ptr [ebp+10h]
        ff d2                   | call edx
        cb                      | retf
        ca 08 00                | retf 8
        cf                      | iretd
        66 cf                   | iret
        # stack
        60                      | pushad
        66 60                   | pusha
        61                      | popad
        9c                      | pushfd
        66 9d                   | popf
        6a ff                   | push 0FFFFFFFFh
        66 6a ff                | pushw 0FFFFh
        68 00 10 40 00          | push 401000h
        66 06                   | pushw es
        0f a0                   | push fs
        0f a1                   | pop fs
        1f                      | pop ds
        c8 10 00 01             | enter 10h,1
        c9                      | leave
        c2 2c 00                | ret 2Ch
        c3                      | ret
        66 c3                   | retw
        50                      | push eax
        5d                      | pop ebp
        ff 75 08                | push dword ptr [ebp+8]
        8f 00                   | pop dword ptr [eax]
        # system
        0f 34                   | sysenter
        0f 35                   | sysexit
        cd 2e                   | int 2Eh
        cc                      | int3
        f1                      | int1
        ce                      | into
        0f 20 d8                | mov eax,cr3
        0f 22 e0                | mov cr4,eax
        0f 23 f8                | mov dr7,eax
        0f 21 c6                | mov esi,dr0
        0f 20 1d                | mov ebp,cr3
        0f 01 15 00 10 40 00    | lgdt fword ptr ds:[00401000h]
        0f 01 0c 24             | sidt fword ptr [esp]
        66 0f 01 1a             | lidtw fword ptr [edx]
        0f 01 38                | invlpg byte ptr [eax]
        0f 01 e0                | smsw eax
        0f 01 f0                | lmsw ax
        0f 00 d8                | ltr ax
        0f 00 d0                | lldt ax
        0f 00 c0                | sldt eax
        0f 00 00                | sldt word ptr [eax]
        0f 00 e0                | verr ax
        0f 02 c1                | lar eax,ecx
        0f 03 06                | lsl eax,word ptr [esi]
        0f 32                   | rdmsr
        0f 30                   | wrmsr
        0f 31                   | rdtsc
        0f a2                   | cpuid
        0f 06                   | clts
        0f 08                   | invd
        0f 09                   | wbinvd
        0f 0b                   | ud2
        f4                      | hlt
        fa                      | cli
        fb                      | sti
        9b                      | wait
        d6                      | salc
        e4 60                   | in al,60h
        ed                      | in eax,dx
        e6 80                   | out 80h,al
        66 ef                   | out dx,ax
        # segment registers
        8e d8                   | mov ds,eax
        66 8e d8                | mov ds,ax
        8e 1e                   | mov ds,word ptr [esi]
        8c d8                   | mov eax,ds
        8c 1e                   | mov word ptr [esi],ds
        c4 18                   | les ebx,fword ptr [eax]
        0f b2 26                | lss esp,fword ptr [esi]
        62 0a                   | bound ecx,qword ptr [edx]
        66 62 0a                | bound cx,dword ptr [edx]
        63 c8                   | arpl ax,cx
        # moves, bits, conditions
        0f b6 c0                | movzx eax,al
        0f b7 4e 02             | movzx ecx,word ptr [esi+2]
        0f bf 46 02             | movsx eax,word ptr [esi+2]
        0f be 06                | movsx eax,byte ptr [esi]
        0f 94 c0                | setz al
        0f 9f 00                | setg byte ptr [eax]
        0f 45 c1                | cmovnz eax,ecx
        0f 42 00                | cmovb eax,dword ptr [eax]
        0f ba e0 1f             | bt eax,1Fh
        0f ab 08                | bts dword ptr [eax],ecx
        0f bc c1                | bsf eax,ecx
        0f c9                   | bswap ecx
        66 0f c9                | data16 bswap ecx
        0f b1 0a                | cmpxchg dword ptr [edx],ecx
        86 e0                   | xchg al,ah
        93                      | xchg ebx,eax
        90                      | nop
        0f 1f 40 00             | nop dword ptr [eax]
        8d 44 24 04             | lea eax,[esp+4]
        8d 04 85 00 00 00 00    | lea eax,[eax*4]
        98                      | cwde
        66 98                   | cbw
        99                      | cdq
        9e                      | sahf
        27                      | daa
        d4 0a                   | aam 0Ah
        d5 10                   | aad 10h
        # shifts, multiply, divide
        d1 e0                   | shl eax,1
        d3 e8                   | shr eax,cl
        c1 f8 1f                | sar eax,1Fh
        d1 f0                   | sal eax,1
        d0 c0                   | rol al,1
        c0 d9 03                | rcr cl,3
        0f a4 c2 04             | shld edx,eax,4
        0f ad c2                | shrd edx,eax,cl
        f7 e1                   | mul ecx
        f6 f9                   | idiv cl
        f7 7d f8                | idiv dword ptr [ebp-8]
        69 c0 00 01 00 00       | imul eax,eax,100h
        6b c0 f8                | imul eax,eax,0FFFFFFF8h
        0f af c1                | imul eax,ecx
        f7 d8                   | neg eax
        f6 d1                   | not cl
        fe c0                   | inc al
        40                      | inc eax
        4f                      | dec edi
        b8 01 00 00 00          | mov eax,1
        b4 4c                   | mov ah,4Ch
        c7 00 ff ff ff ff       | mov dword ptr [eax],0FFFFFFFFh
        c6 05 00 00 df ff 01    | mov byte ptr ds:[0FFDF0000h],1
        # x87
        d9 00                   | fld dword ptr [eax]
        dd 7d fc                | fnstsw word ptr [ebp-4]
        d9 c0                   | fld st(0)
        dc e9                   | fsub st(1),st
        de f9                   | fdivp st(1),st
        df e0                   | fnstsw ax
        db 2d 00 10 40 00       | fld tbyte ptr ds:[00401000h]
        66 dd 30                | fnsavew [eax]
        9b                      | wait
        """;

    private static final String CODE16 = """
        b8 01 00                | mov ax,1
        66 b8 01 00 00 00       | mov eax,1
        8b 46 08                | mov ax,word ptr [bp+8]
        8b 07                   | mov ax,word ptr [bx]
        67 8b 44 24 04          | mov ax,word ptr [esp+4]
        66 68 01 00 00 00       | pushd 1
        6a 01                   | push 1
        e8 fd ff                | call 00000100
        66 9c                   | pushfd
        9c                      | pushf
        cd 21                   | int 21h
        0f 01 16 00 10          | lgdt fword ptr ds:[1000h]
        66 0f 01 16 00 10       | lgdtd fword ptr ds:[1000h]
        ea 00 7c 00 00          | jmp 0000:7c00
        f3 a4                   | rep movs byte ptr es:[di],byte ptr [si]
        e3 fe                   | jcxz 00000100
        c3                      | ret
        66 c3                   | retd
        66 0f c9                | bswap ecx
        0f c9                   | bswap ecx
        9b                      | wait
        """;

    record Vector(String hex, String expected, boolean code32, int base) {
        @Override
        public String toString() {
            return hex + " -> " + expected;
        }
    }

    static List<Vector> code32() {
        return parse(CODE32, true, 0x804d7000);
    }

    static List<Vector> code16() {
        return parse(CODE16, false, 0x100);
    }

    private static List<Vector> parse(String text, boolean code32, int base) {
        List<Vector> v = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] p = l.split("\\|");
            v.add(new Vector(p[0].strip(), p[1].strip(), code32, base));
        }
        return v;
    }

    static byte[] bytes(String hex) {
        String h = hex.replace(" ", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    @ParameterizedTest
    @MethodSource({"code32", "code16"})
    void vector(Vector v) {
        byte[] b = bytes(v.hex);
        Disassembler.Line line = new Disassembler(v.code32, Disassembler.Symbolizer.NONE).disassemble(b, 0, v.base);
        assertEquals(v.expected, line.text());
        assertEquals(b.length, line.length(), "length of " + v.hex);
        assertTrue(line.valid());
    }

    // ---- invalid, truncated, too long ----

    private static Disassembler.Line one(String hex) {
        return new Disassembler().disassemble(bytes(hex), 0, 0x1000);
    }

    @Test
    void undefinedOpcodeIsBadOverTheDecodersLength() {
        Disassembler.Line l = one("0f ff 90");
        assertEquals("(bad)", l.text());
        assertEquals(2, l.length());
        assertFalse(l.valid());
    }

    @Test
    void missingGroupRowIsBadOverOpcodeAndModrm() {
        Disassembler.Line l = one("c7 c8 00 00 00 00");   // C7 /1 has no row
        assertEquals("(bad)", l.text());
        assertEquals(2, l.length());
    }

    @Test
    void lockOnRegisterDestinationIsBad() {
        Disassembler.Line l = one("f0 01 c0");
        assertEquals("(bad)", l.text());
        assertEquals(3, l.length());
    }

    @Test
    void movToCsIsBad() {
        assertEquals("(bad)", one("8e c8").text());
    }

    @Test
    void x87EncodingsWithoutARowAreBad() {
        assertEquals("(bad)", one("d9 d1").text());   // D9 D1..D7: no instruction
        assertEquals("(bad)", one("d9 08").text());   // D9 /1 memory: no instruction
        assertEquals("(bad)", one("db 08").text());   // FISTTP m32int is SSE3, #UD on the Pentium II
    }

    @Test
    void moreThanFifteenBytesIsBadOverFifteen() {
        Disassembler.Line l = one("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
        assertEquals("(bad)", l.text());
        assertEquals(15, l.length());
    }

    @Test
    void fifteenBytesExactlyIsValid() {
        Disassembler.Line l = one("66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
        assertEquals("data16 nop", l.text());
        assertEquals(15, l.length());
    }

    @Test
    void truncatedInstructionIsBadOverTheBytesThereAre() {
        Disassembler.Line l = one("e8 00");
        assertEquals("(bad)", l.text());
        assertEquals(2, l.length());
        assertEquals("e800", l.hexBytes());
    }

    @Test
    void unreadableFirstByteIsQuestionMarksOverOneByte() {
        Disassembler.Line l = new Disassembler().disassemble(a -> -1, 0x1000);
        assertEquals("??", l.text());
        assertEquals(1, l.length());
        assertEquals("00001000  ??                ??", l.listing());
    }

    // ---- listing and buffers ----

    @Test
    void bufferIsListedInstructionByInstruction() {
        List<Disassembler.Line> lines = new Disassembler()
                .disassembleAll(bytes("8b d4 0f 34 c3 e8"), 0x7ffe0300);
        List<String> text = lines.stream().map(Disassembler.Line::listing).toList();
        assertEquals(List.of(
                "7ffe0300  8bd4              mov edx,esp",
                "7ffe0302  0f34              sysenter",
                "7ffe0304  c3                ret",
                "7ffe0305  e8                (bad)"), text);
    }

    // ---- symbols ----

    private static final Map<Integer, String> SYMBOLS = Map.of(
            0x8053e566, "nt!KiServiceExit+0x2c",
            0x80553fa0, "nt!KeServiceDescriptorTable",
            0x80501b8c, "nt!KiServiceTable",
            0x7ffe0300, "SharedUserData!SystemCallStub");

    private static String symbolised(String hex, int address) {
        Disassembler d = new Disassembler(true, a -> Optional.ofNullable(SYMBOLS.get(a)));
        return d.disassemble(bytes(hex), 0, address).text();
    }

    @Test
    void branchTargetIsNamedWithItsAddress() {
        // 0F 85 rel32 at 8053e540: next 8053e546, + 20h = 8053e566.
        assertEquals("jnz nt!KiServiceExit+0x2c (8053e566)", symbolised("0f 85 20 00 00 00", 0x8053e540));
    }

    @Test
    void absoluteMemoryOperandIsNamed() {
        assertEquals("call dword ptr [nt!KeServiceDescriptorTable (80553fa0)]",
                symbolised("ff 15 a0 3f 55 80", 0x804d7000));
        assertEquals("mov eax,dword ptr fs:[nt!KeServiceDescriptorTable (80553fa0)]",
                symbolised("64 a1 a0 3f 55 80", 0x804d7000));
    }

    @Test
    void tableBesideAnIndexIsNamed() {
        assertEquals("mov ebx,dword ptr [eax*4+nt!KiServiceTable (80501b8c)]",
                symbolised("8b 1c 85 8c 1b 50 80", 0x804d7000));
    }

    @Test
    void immediateAddressOfMovIsNamedAsOffset() {
        assertEquals("mov edx,offset SharedUserData!SystemCallStub (7ffe0300)",
                symbolised("ba 00 03 fe 7f", 0x7c90e27c));
        assertEquals("add edx,7FFE0300h", symbolised("81 c2 00 03 fe 7f", 0x7c90e27c));
    }

    @Test
    void unknownAddressesStayNumbers() {
        assertEquals("jmp 804d7000", symbolised("eb fe", 0x804d7000));
    }
}
