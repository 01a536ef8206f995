/*
 * ctlbench: per-operation latency of file operations, and memcpy
 * throughput, for the control-plane part of make bench.  Each operation
 * is timed alone; the result is one line of key=value (nanoseconds).
 *
 *   ctlbench read FILE N             pread(FILE, 4 KiB, offset 0), N times
 *   ctlbench write FILE TEXT N       pwrite(FILE, TEXT, offset 0), N times
 *   ctlbench seq CTL EXIT N          the file operations of N exit round
 *                                    trips as exitloop makes them for
 *                                    exitio: pwrite(CTL, "run"), pread(EXIT),
 *                                    and for every other one (an IN)
 *                                    pwrite(EXIT, "data=0x1")
 *   ctlbench memcpy BYTES            memcpy between two touched buffers
 *
 *   $ ctlbench read /vms/b/regs 2000
 *   op=read n=2000 mean_ns=14630 median_ns=14210 min_ns=11840 p90_ns=17020
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *op, uint64_t *t, unsigned n)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("op=%s n=%u mean_ns=%llu median_ns=%llu min_ns=%llu p90_ns=%llu\n", op, n,
	       (unsigned long long)(sum / n), (unsigned long long)t[n / 2], (unsigned long long)t[0],
	       (unsigned long long)t[n * 9 / 10]);
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		fprintf(stderr, "ctlbench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void must(ssize_t r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "ctlbench: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static unsigned count_arg(const char *s)
{
	long n = strtol(s, NULL, 0);

	if (n < 1 || n > 10000000) {
		fprintf(stderr, "ctlbench: bad count %s\n", s);
		exit(2);
	}
	return n;
}

static int bench_read(const char *path, unsigned n)
{
	uint64_t *t = calloc(n, sizeof(*t));
	char buf[4096];
	int fd = open_or_die(path, O_RDONLY);

	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		must(pread(fd, buf, sizeof(buf), 0), "pread");
		t[i] = now_ns() - t0;
	}
	report("read", t, n);
	return 0;
}

static int bench_write(const char *path, const char *text, unsigned n)
{
	uint64_t *t = calloc(n, sizeof(*t));
	int fd = open_or_die(path, O_WRONLY);

	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		must(pwrite(fd, text, strlen(text), 0), "pwrite");
		t[i] = now_ns() - t0;
	}
	report("write", t, n);
	return 0;
}

static int bench_seq(const char *ctl, const char *exitf, unsigned n)
{
	uint64_t *t = calloc(n, sizeof(*t));
	int c = open_or_die(ctl, O_WRONLY), e = open_or_die(exitf, O_RDWR);
	char buf[512];

	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		must(pwrite(c, "run", 3, 0), "pwrite run");
		must(pread(e, buf, sizeof(buf), 0), "pread exit");
		if (i & 1)
			must(pwrite(e, "data=0x1", 8, 0), "pwrite completion");
		t[i] = now_ns() - t0;
	}
	report("seq", t, n);
	return 0;
}

static int bench_memcpy(size_t bytes)
{
	char *a = malloc(bytes), *b = malloc(bytes);
	uint64_t best = UINT64_MAX;

	if (!a || !b)
		return 1;
	memset(a, 1, bytes);
	memset(b, 2, bytes);
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = now_ns(), dt;

		memcpy(i & 1 ? a : b, i & 1 ? b : a, bytes);
		dt = now_ns() - t0;
		if (dt < best)
			best = dt;
	}
	/* keep the copies observable */
	printf("op=memcpy bytes=%zu best_ns=%llu mb_s=%.0f check=%d\n", bytes,
	       (unsigned long long)best, bytes / (best / 1e9) / 1e6, a[bytes / 2] + b[bytes / 3]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "read"))
		return bench_read(argv[2], count_arg(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "write"))
		return bench_write(argv[2], argv[3], count_arg(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "seq"))
		return bench_seq(argv[2], argv[3], count_arg(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "memcpy"))
		return bench_memcpy(strtoull(argv[2], NULL, 0));
	fprintf(stderr, "usage: ctlbench read FILE N | write FILE TEXT N | seq CTL EXIT N | memcpy BYTES\n");
	return 2;
}
