/*
 * Native reference for ntgate's conformance tests: runs instruction snippets on this machine's processor in
 * 32-bit user mode and prints the resulting registers, EFLAGS and scratch memory. Built by the tests with
 * gcc -m32 -no-pie (absolute addresses in the trampoline below).
 *
 * Input, one case per line (hex, no 0x):
 *   CODE EAX ECX EDX EBX EBP ESI EDI EFLAGS MEMOFF MEM
 * CODE is the snippet (it must fall through its last byte), MEM the bytes placed at SCRATCH + MEMOFF ("-" for
 * none). The scratch area is zeroed before every case.
 * Output, one line per case:
 *   SIG EAX ECX EDX EBX ESPDELTA EBP ESI EDI EFLAGS MEM
 * SIG is 0, or the signal the snippet raised (registers then come from the signal context, i.e. the state at
 * the faulting instruction). ESPDELTA is ESP after the snippet minus ESP before it. MEM is the same range
 * after the snippet.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define SCRATCH 0x00400000u
#define SCRATCH_SIZE 0x2000u
#define CODE_AT 0x00300000u

uint32_t in_regs[8], in_fl, out_regs[8], out_fl, host_esp, code_ptr;

void run_snippet(void);
void snippet_back(void);

__asm__(
    ".text\n"
    ".globl run_snippet\n"
    "run_snippet:\n"
    "  pushal\n"
    "  movl %esp, host_esp\n"
    "  pushl in_fl\n"
    "  popfl\n"
    "  movl in_regs+0, %eax\n"
    "  movl in_regs+4, %ecx\n"
    "  movl in_regs+8, %edx\n"
    "  movl in_regs+12, %ebx\n"
    "  movl in_regs+20, %ebp\n"
    "  movl in_regs+24, %esi\n"
    "  movl in_regs+28, %edi\n"
    "  jmp *code_ptr\n"
    ".globl snippet_back\n"
    "snippet_back:\n"
    "  movl %eax, out_regs+0\n"
    "  movl %ecx, out_regs+4\n"
    "  movl %edx, out_regs+8\n"
    "  movl %ebx, out_regs+12\n"
    "  movl %esp, out_regs+16\n"
    "  movl %ebp, out_regs+20\n"
    "  movl %esi, out_regs+24\n"
    "  movl %edi, out_regs+28\n"
    "  movl host_esp, %esp\n"
    "  pushfl\n"
    "  popl out_fl\n"
    "  cld\n"
    "  popal\n"
    "  ret\n");

static sigjmp_buf jb;
static volatile int sig;
static uint32_t back_ptr;

static void on_signal(int s, siginfo_t *si, void *ctx) {
    (void) si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    sig = s;
    out_regs[0] = g[REG_EAX];
    out_regs[1] = g[REG_ECX];
    out_regs[2] = g[REG_EDX];
    out_regs[3] = g[REG_EBX];
    out_regs[4] = g[REG_ESP];
    out_regs[5] = g[REG_EBP];
    out_regs[6] = g[REG_ESI];
    out_regs[7] = g[REG_EDI];
    out_fl = g[REG_EFL];
    siglongjmp(jb, 1);
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t unhex(const char *s, uint8_t *out, size_t max) {
    size_t n = 0;
    if (s[0] == '-') return 0;
    while (s[0] && s[1] && n < max) {
        out[n++] = (uint8_t) (hexval(s[0]) << 4 | hexval(s[1]));
        s += 2;
    }
    return n;
}

int main(void) {
    uint8_t *code = mmap((void *) CODE_AT, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    uint8_t *scratch = mmap((void *) SCRATCH, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code != (uint8_t *) CODE_AT || scratch != (uint8_t *) SCRATCH) {
        fprintf(stderr, "snippet_runner: cannot map the code or scratch area\n");
        return 2;
    }
    static uint8_t altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    int sigs[] = {SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    back_ptr = (uint32_t) (uintptr_t) snippet_back;
    code_ptr = CODE_AT;

    static char line[70000];
    static char codehex[256], memhex[20000];
    static uint8_t mem[SCRATCH_SIZE];
    while (fgets(line, sizeof line, stdin)) {
        unsigned memoff;
        if (sscanf(line, "%255s %x %x %x %x %x %x %x %x %x %19999s", codehex, &in_regs[0], &in_regs[1], &in_regs[2],
                   &in_regs[3], &in_regs[5], &in_regs[6], &in_regs[7], &in_fl, &memoff, memhex) != 11) {
            fprintf(stderr, "snippet_runner: bad line: %s", line);
            return 2;
        }
        size_t n = unhex(codehex, code, 64);
        code[n] = 0xFF;   /* jmp dword [back_ptr] */
        code[n + 1] = 0x25;
        uint32_t bp = (uint32_t) (uintptr_t) &back_ptr;
        memcpy(code + n + 2, &bp, 4);
        memset(scratch, 0, SCRATCH_SIZE);
        size_t m = unhex(memhex, mem, SCRATCH_SIZE);
        if (memoff + m > SCRATCH_SIZE) {
            fprintf(stderr, "snippet_runner: memory outside scratch\n");
            return 2;
        }
        memcpy(scratch + memoff, mem, m);
        sig = 0;
        if (sigsetjmp(jb, 1) == 0) run_snippet();
        printf("%d %x %x %x %x %x %x %x %x %x ", sig, out_regs[0], out_regs[1], out_regs[2], out_regs[3],
               out_regs[4] - host_esp, out_regs[5], out_regs[6], out_regs[7], out_fl);
        if (m == 0) printf("-");
        for (size_t i = 0; i < m; i++) printf("%02x", scratch[memoff + i]);
        printf("\n");
    }
    return 0;
}
