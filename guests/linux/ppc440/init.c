/*
 * /init of the Linux 440 test guest (build.sh links it statically into the
 * kernel's initramfs).  It shows, on the console, what a test needs to know
 * about the machine the kernel found, then ends the boot:
 *
 *   === ppc440 test init: hello from userspace (pid 1) ===   (the banner)
 *   /proc/cpuinfo, /proc/cmdline, /proc/version
 *   HYPERVISOR-NODE: present|absent   (the paravirtual interface's DT node)
 *   /proc/interrupts, /proc/iomem, the platform devices and their drivers
 *   compute result=0x8a69d5be elapsed_us=N   (a fixed integer workload)
 *   reboot(RB_AUTOBOOT)   with "initreboot" on the command line, so that
 *                         the core resets through DBCR0 (and qemu
 *                         -no-reboot exits); reboot(RB_POWER_OFF) otherwise
 *
 * The workload is integer-only and its result a constant, so a wrong
 * instruction anywhere in it shows as a different number; the only
 * floating point comes from glibc itself.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* write(2) straight to the console: stdio would buffer behind a crash */
static void out(const char *s)
{
	write(1, s, strlen(s));
}

static void out_u64(uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	b[--i] = 0;
	do {
		b[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	out(&b[i]);
}

static void out_hex(uint32_t v)
{
	char b[11];
	int i;

	b[0] = '0';
	b[1] = 'x';
	for (i = 0; i < 8; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
	b[10] = 0;
	out(b);
}

static void cat(const char *path)
{
	char buf[512];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		out("  (cannot open ");
		out(path);
		out(")\n");
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write(1, buf, n);
	close(fd);
}

/* A device-tree property: a string list (NULs shown as commas) or hex cells. */
static void dtprop(const char *path, int as_cells)
{
	unsigned char buf[256];
	ssize_t n, i;
	int fd = open(path, O_RDONLY);

	out("  ");
	out(path);
	out(" = ");
	if (fd < 0) {
		out("(absent)\n");
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0) {
		out("(empty)\n");
		return;
	}
	if (as_cells) {
		for (i = 0; i + 4 <= n; i += 4) {
			out_hex((uint32_t)buf[i] << 24 | (uint32_t)buf[i + 1] << 16 |
				(uint32_t)buf[i + 2] << 8 | buf[i + 3]);
			out(" ");
		}
	} else {
		for (i = 0; i < n; i++)
			if (buf[i] == 0)
				buf[i] = i == n - 1 ? 0 : ',';
		buf[n - 1] = 0;
		out("\"");
		out((char *)buf);
		out("\"");
	}
	out("\n");
}

/* Each platform device and the driver bound to it: which of the board's
 * devices the kernel found in the device tree and drove. */
static void platform_bindings(void)
{
	DIR *d = opendir("/sys/bus/platform/devices");
	struct dirent *e;
	char p[PATH_MAX], l[PATH_MAX];
	ssize_t n;

	if (!d) {
		out("  (no /sys/bus/platform/devices)\n");
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		strcpy(p, "/sys/bus/platform/devices/");
		strcat(p, e->d_name);
		strcat(p, "/driver");
		n = readlink(p, l, sizeof(l) - 1);
		out("  ");
		out(e->d_name);
		out(" -> ");
		if (n > 0) {
			l[n] = 0;
			out(strrchr(l, '/') ? strrchr(l, '/') + 1 : l);
		} else {
			out("(no driver)");
		}
		out("\n");
	}
	closedir(d);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The workload: a sieve (loads, stores, shifts, branches) and an xorshift
 * and LCG mix with 32-bit multiplies and divides, `rounds` times.  With
 * rounds = 3 the result is always 0x8a69d5be.
 */
#define SIEVE_BITS ((1u << 14) * 32)
static uint32_t sieve[1 << 14];

static uint32_t work(unsigned rounds)
{
	uint32_t acc = 0x12345678, x = 2463534242u;
	unsigned r, i, j, primes = 0;

	for (r = 0; r < rounds; r++) {
		memset(sieve, 0, sizeof(sieve));
		primes = 0;
		for (i = 2; i < SIEVE_BITS; i++) {
			if (sieve[i >> 5] & 1u << (i & 31))
				continue;
			primes++;
			for (j = i + i; j < SIEVE_BITS; j += i)
				sieve[j >> 5] |= 1u << (j & 31);
		}
		for (i = 0; i < 200000; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			acc = acc * 1664525u + 1013904223u + x / (i | 1);
		}
		acc ^= primes;
	}
	return acc;
}

/* "initreboot" on the kernel command line asks for a reset, not a halt. */
static int reboot_mode(void)
{
	char cl[512];
	ssize_t n;
	int fd = open("/proc/cmdline", O_RDONLY);

	if (fd < 0)
		return RB_POWER_OFF;
	n = read(fd, cl, sizeof(cl) - 1);
	close(fd);
	if (n <= 0)
		return RB_POWER_OFF;
	cl[n] = 0;
	return strstr(cl, "initreboot") ? RB_AUTOBOOT : RB_POWER_OFF;
}

int main(void)
{
	uint64_t t0, t1;
	uint32_t r;
	struct stat st;
	int fd, rb;

	/* the kernel opens /dev/console for init only if it found it; make
	 * sure fds 0-2 are the console all the same */
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0 && fd != 1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}

	out("\n=== ppc440 test init: hello from userspace (pid ");
	out_u64(getpid());
	out(") ===\n");

	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL))
		out("mount /proc failed\n");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		out("mount /sys failed\n");
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL))
		out("mount /dev (devtmpfs) failed\n");

	out("--- /proc/cpuinfo ---\n");
	cat("/proc/cpuinfo");
	out("--- /proc/cmdline ---\n");
	cat("/proc/cmdline");
	out("--- /proc/version ---\n");
	cat("/proc/version");

	if (stat("/proc/device-tree/hypervisor", &st) == 0) {
		out("HYPERVISOR-NODE: present\n");
		dtprop("/proc/device-tree/hypervisor/compatible", 0);
		dtprop("/proc/device-tree/hypervisor/hcall-instructions", 1);
		dtprop("/proc/device-tree/hypervisor/hypercall-instructions", 1);
	} else {
		out("HYPERVISOR-NODE: absent\n");
	}

	out("--- /proc/interrupts ---\n");
	cat("/proc/interrupts");
	out("--- /proc/iomem ---\n");
	cat("/proc/iomem");
	out("--- platform devices -> driver ---\n");
	platform_bindings();

	out("--- compute loop ---\n");
	t0 = now_ns();
	r = work(3);
	t1 = now_ns();
	out("compute result=");
	out_hex(r);
	out(" elapsed_us=");
	out_u64((t1 - t0) / 1000);
	out("\n");

	out("uptime: ");
	cat("/proc/uptime");
	out("=== init done, powering off ===\n");
	sync();
	rb = reboot_mode();
	out(rb == RB_AUTOBOOT ? "reboot(RB_AUTOBOOT)\n" : "reboot(RB_POWER_OFF)\n");
	reboot(rb);
	out("reboot() returned!\n");
	for (;;)
		pause();
}
