package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Builds service test programs: {@code body} runs with the given ntdll externs; a line {@code st N} stores EAX in
 * status[N] (the assembler has no macros); the data section has {@code status} (16 dwords of 0xEEEEEEEE), then
 * {@code data}. The program returns 0.
 */
final class StatusProgram {
    private StatusProgram() {}

    static NtHarness run(String externs, String body, String data) {
        StringBuilder src = new StringBuilder();
        for (String e : externs.split("\\s+")) if (!e.isEmpty()) src.append("extern ").append(e).append('\n');
        src.append("section .text\nglobal start\nstart:\n").append(body)
                .append("    xor eax, eax\n    ret\nsection .data\nalign 8\nstatus: times 16 dd 0xEEEEEEEE\n").append(data);
        NtHarness h = NtHarness.run(src.toString().replaceAll("(?m)^\\s*st (\\d+)$", "    mov [status + 4*$1], eax"));
        assertEquals(NtSystem.End.EXITED, h.end, () -> "the program did not exit: " + h.end);
        assertEquals(0, h.exitStatus(), "program status");
        return h;
    }

    static int status(NtHarness h, int i) {
        return h.u32(h.symbol("status") + 4 * i);
    }
}
