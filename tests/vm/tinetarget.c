/* tinetarget: the program guest case 36 puts uprobes on, built by tests/vm/run for each guest
 * (static, against the musl of tests/boards, symbols kept). `tinetarget N` calls
 * work(K * 100000, K) K * N times for K = 1, 2, 3 (each returns K * 100 + K), greet() N times
 * with a string on its stack ("greet-0", "greet-1" in turn) and name() N times (returning
 * "alpha", "beta", "gamma" in turn), then prints what it did, one line per call site:
 *     work ARG0 ARG1 CALLS RETURNS
 *     greet STRING CALLS
 *     name STRING CALLS
 * On 32-bit ARM it is ARM code (-marm), but for thumb_work, never called.
 * No header: built with -nostdinc, it declares the little of libc it uses; no printf, whose
 * 64-bit and float arithmetic would want a libgcc built for the same float ABI as the musl. */

int atoi(const char *text);
long write(int fd, const void *bytes, unsigned long count);

static char out[512];
static unsigned long used;

static void put(const char *text)
{
    while (*text && used < sizeof out)
        out[used++] = *text++;
}

/* In decimal, by subtracting powers of ten: no division, which 32-bit ARM does in libgcc. */
static void put_number(int value)
{
    static const int powers[] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                 10000,      1000,      100,      10,      1};
    char digits[11];
    int length = 0;
    for (int i = 0; i < 10; i++) {
        char digit = '0';
        while (value >= powers[i]) {
            value -= powers[i];
            digit++;
        }
        if (length || digit != '0' || i == 9)
            digits[length++] = digit;
    }
    digits[length] = 0;
    put(" ");
    put(digits);
}

/* An empty asm that "reads" the arguments keeps each function a real call, with its arguments
 * in the registers of this architecture's calling convention. */
__attribute__((noinline)) int work(int big, int small)
{
    __asm__ volatile("" : : "r"(big), "r"(small) : "memory");
    return small * 100 + small;
}

__attribute__((noinline)) int greet(const char *who)
{
    __asm__ volatile("" : : "r"(who) : "memory");
    return who[0];
}

#ifdef __arm__
/* Thumb code, which 32-bit ARM's uprobes cannot take (tine refuses it); the rest is ARM code. */
__attribute__((noinline, target("thumb"))) int thumb_work(int n)
{
    __asm__ volatile("" : : "r"(n) : "memory");
    return n + 1;
}
#endif

static const char *const names[] = {"alpha", "beta", "gamma"};

__attribute__((noinline)) const char *name(int index)
{
    __asm__ volatile("" : : "r"(index) : "memory");
    return names[index];
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 10;
    int greeted[2] = {0, 0}, named[3] = {0, 0, 0};
    /* The names' page is in memory before a probe reads one (a probe cannot fault it in). */
    int sum = names[0][0] + names[1][0] + names[2][0];
    for (int k = 1; k <= 3; k++) {
        for (int j = 0; j < k * calls; j++)
            sum += work(k * 100000, k);
        put("work");
        put_number(k * 100000);
        put_number(k);
        put_number(k * calls);
        put_number(k * 100 + k);
        put("\n");
    }
    char label[16] = "greet-0";
    for (int i = 0, which = 0; i < calls; i++, which ^= 1) {
        label[6] = (char)('0' + which);
        sum += greet(label);
        greeted[which]++;
    }
    for (int which = 0; which < 2; which++) {
        put(which ? "greet greet-1" : "greet greet-0");
        put_number(greeted[which]);
        put("\n");
    }
    for (int i = 0, which = 0; i < calls; i++, which = which == 2 ? 0 : which + 1) {
        sum += name(which)[0];
        named[which]++;
    }
    for (int which = 0; which < 3; which++) {
        put("name ");
        put(names[which]);
        put_number(named[which]);
        put("\n");
    }
    return write(1, out, used) != (long)used || sum == 0;
}
