/* fpmath.c - floating point on the x87: a series sum, square roots, sine, exp and pow, written in C, with
 * its own double-printing routine. Built twice from this one source: as an ntdll-only PE with MinGW
 * (make -C examples fpmath.exe) and natively on Linux with gcc -m32 -mfpmath=387 (X87ProgramTest), so that
 * ntgate's output can be compared with the host processor's.
 *
 * The FPU runs at double precision (PC = 53 bits, set with FLDCW at the start), so a value spilled from an
 * 80-bit register to a 64-bit double does not change: the two compilers' different register allocation
 * cannot change a result. */
#ifdef __linux__
static void out(const char *s, unsigned long n)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(4), "b"(1), "c"(s), "d"(n) : "memory");
}
#else
#include "ntgate.h"
static void out(const char *s, unsigned long n)
{
    IO_STATUS_BLOCK iosb;
    NtWriteFile(std_output(), 0, 0, 0, &iosb, s, n, 0, 0);
}
#endif

static void puts_(const char *s)
{
    unsigned long n = 0;
    while (s[n]) n++;
    out(s, n);
}

/* FSQRT */
static double fsqrt(double x)
{
    double r;
    __asm__("fsqrt" : "=t"(r) : "0"(x));
    return r;
}

/* Prints a double as its exact 64-bit pattern and as a decimal with 15 significant digits, computed with
 * integer arithmetic from a scaled value (no library). */
static void print_double(const char *name, double x)
{
    union { double d; unsigned long long u; } v;
    char b[80];
    int n = 0, i, e10 = 0;
    unsigned long long digits;
    v.d = x;
    while (*name) b[n++] = *name++;
    b[n++] = ' ';
    for (i = 0; i < 16; i++) b[n++] = "0123456789abcdef"[(v.u >> (60 - 4 * i)) & 0xF];
    b[n++] = ' ';
    if (x < 0) {
        b[n++] = '-';
        x = -x;
    }
    if ((v.u >> 52 & 0x7FF) == 0x7FF) {
        const char *t = (v.u << 12) ? "nan\n" : "inf\n";
        while (*t) b[n++] = *t++;
        out(b, n);
        return;
    }
    if (x != 0) {
        while (x >= 1e15) { x /= 10; e10++; }
        while (x < 1e14) { x *= 10; e10--; }
    }
    digits = (unsigned long long) (x + 0.5);
    {
        char d[20];
        int k = 0;
        while (k < 15) { d[k++] = (char) ('0' + digits % 10); digits /= 10; }
        b[n++] = d[14];
        b[n++] = '.';
        for (k = 13; k >= 0; k--) b[n++] = d[k];
    }
    e10 += 14;
    b[n++] = 'e';
    if (e10 < 0) { b[n++] = '-'; e10 = -e10; } else b[n++] = '+';
    b[n++] = (char) ('0' + e10 / 100);
    b[n++] = (char) ('0' + e10 / 10 % 10);
    b[n++] = (char) ('0' + e10 % 10);
    b[n++] = '\n';
    out(b, n);
}

/* sin by reduction to [-pi/4, pi/4] and Taylor polynomials. */
static double my_sin(double x)
{
    const double pi_2 = 1.57079632679489661923;
    double k = 0, r, r2, s, c;
    int q;
    if (x > 0) { while (k * pi_2 + pi_2 / 2 < x) k += 1; }
    else { while (k * pi_2 - pi_2 / 2 > x) k -= 1; }
    r = x - k * pi_2;
    q = ((int) k % 4 + 4) % 4;
    r2 = r * r;
    s = r * (1 - r2 / 6 * (1 - r2 / 20 * (1 - r2 / 42 * (1 - r2 / 72 * (1 - r2 / 110 * (1 - r2 / 156))))));
    c = 1 - r2 / 2 * (1 - r2 / 12 * (1 - r2 / 30 * (1 - r2 / 56 * (1 - r2 / 90 * (1 - r2 / 132)))));
    return q == 0 ? s : q == 1 ? c : q == 2 ? -s : -c;
}

/* exp by halving to |x| < 1/1024, a Taylor polynomial, then squaring back. */
static double my_exp(double x)
{
    int halvings = 0, i;
    double t, sum, term;
    while (x > 1.0 / 1024 || x < -1.0 / 1024) { x /= 2; halvings++; }
    sum = 1;
    term = 1;
    for (i = 1; i < 12; i++) { term = term * x / i; sum += term; }
    t = sum;
    for (i = 0; i < halvings; i++) t = t * t;
    return t;
}

/* ln by reduction to [1, 2) with exact halvings and the atanh series. */
static double my_log(double x)
{
    const double ln2 = 0.69314718055994530942;
    int e = 0, k;
    double z, z2, sum, p;
    while (x >= 2) { x /= 2; e++; }
    while (x < 1) { x *= 2; e--; }
    z = (x - 1) / (x + 1);
    z2 = z * z;
    sum = 0;
    p = z;
    for (k = 1; k < 60; k += 2) { sum += p / k; p *= z2; }
    return 2 * sum + e * ln2;
}

static double my_pow(double x, double y)
{
    return my_exp(y * my_log(x));
}

#ifdef __linux__
int main(void)
#else
ULONG __stdcall start(void)
#endif
{
    unsigned short cw = 0x027F;   /* all exceptions masked, PC = 53 bits, round to nearest */
    double sum = 0, harmonic = 0;
    int k;
    __asm__ volatile("fninit\n\tfldcw %0" : : "m"(cw));
    for (k = 1; k <= 1000; k++) {
        sum += 1.0 / ((double) k * k);
        harmonic += 1.0 / k;
    }
    puts_("fpmath: x87 double precision, results as bits and decimals\n");
    print_double("sum(1/k^2, k=1..1000)", sum);
    print_double("pi from the sum     ", fsqrt(6 * sum));
    print_double("harmonic(1000)      ", harmonic);
    print_double("sqrt(2)             ", fsqrt(2.0));
    print_double("sqrt(1e-300)        ", fsqrt(1e-300));
    print_double("sin(0.5)            ", my_sin(0.5));
    print_double("sin(3)              ", my_sin(3.0));
    print_double("sin(-10)            ", my_sin(-10.0));
    print_double("exp(1)              ", my_exp(1.0));
    print_double("exp(-7.25)          ", my_exp(-7.25));
    print_double("pow(2, 0.5)         ", my_pow(2.0, 0.5));
    print_double("pow(10, 3.3)        ", my_pow(10.0, 3.3));
    print_double("1/3                 ", 1.0 / 3);
    print_double("1e308 * 10          ", 1e308 * (volatile double) 10);
    return 0;
}

#ifdef __linux__
void _start(void)
{
    int r = main();
    __asm__ volatile("int $0x80" : : "a"(1), "b"(r));
    for (;;) { }
}
#endif
