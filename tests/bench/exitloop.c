/*
 * exitloop: the userspace half of the exit-heavy guest (x86/exitio.S).
 * Runs vcpu 0 of a VM through its files until the guest ends, answering
 * every IN on the guest's port with the last OUT's value * 2 + 1, and
 * prints how long one exit round trip took: guest exit -> read `exit` ->
 * write the completion (for an IN) -> `run` again.
 *
 *   $ exitloop /vms/b
 *   exits=40000 total_ns=... per_exit_ns=... median_ns=... min_ns=...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PORT "port=0xe0 "
#define MAX_EXITS 10000000u

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

static uint64_t field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoull(p + strlen(key), NULL, 0) : 0;
}

int main(int argc, char **argv)
{
	char path[4096], line[512], answer[64];
	uint64_t *t, t0, start, last = 0;
	unsigned n = 0;
	int ctl, ex;
	ssize_t r;

	if (argc != 2) {
		fprintf(stderr, "usage: exitloop VMDIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cpu/0/ctl", argv[1]);
	ctl = open(path, O_WRONLY);
	snprintf(path, sizeof(path), "%s/cpu/0/exit", argv[1]);
	ex = open(path, O_RDWR);
	t = malloc(MAX_EXITS * sizeof(*t));
	if (ctl < 0 || ex < 0 || !t) {
		fprintf(stderr, "exitloop: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	start = t0 = now_ns();
	for (;;) {
		if (pwrite(ctl, "run", 3, 0) < 0) {
			fprintf(stderr, "exitloop: run: %s\n", strerror(errno));
			return 1;
		}
		r = pread(ex, line, sizeof(line) - 1, 0);
		if (r <= 0) {
			fprintf(stderr, "exitloop: read exit: %s\n", r ? strerror(errno) : "empty");
			return 1;
		}
		line[r] = 0;
		if (strstr(line, "reason=system_event"))
			break;
		if (strncmp(line, "reason=io ", 10) || !strstr(line, PORT) || n == MAX_EXITS) {
			fprintf(stderr, "exitloop: unexpected exit: %s", line);
			return 1;
		}
		if (strstr(line, "dir=out")) {
			last = field(line, " data=");
		} else {
			int len = snprintf(answer, sizeof(answer), "data=0x%llx",
					   (unsigned long long)((last * 2 + 1) & 0xffffffff));

			if (pwrite(ex, answer, len, 0) < 0) {
				fprintf(stderr, "exitloop: completion: %s\n", strerror(errno));
				return 1;
			}
		}
		uint64_t t1 = now_ns();

		t[n++] = t1 - t0;
		t0 = t1;
	}
	uint64_t total = now_ns() - start;

	if (!n) {
		fprintf(stderr, "exitloop: the guest made no exits: %s", line);
		return 1;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("exits=%u total_ns=%llu per_exit_ns=%llu median_ns=%llu min_ns=%llu\n", n,
	       (unsigned long long)total, (unsigned long long)(total / n),
	       (unsigned long long)t[n / 2], (unsigned long long)t[0]);
	return 0;
}
