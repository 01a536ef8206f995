/*
 * kvmbench: what the control-plane benchmark compares vmmfs's files with,
 * the same operations through /dev/kvm ioctls.  Runs a bench guest (a
 * multiboot ELF32 image, entered in flat 32-bit protected mode as a
 * multiboot loader would) under KVM with this program as its userspace:
 * COM1 output is collected from KVM_EXIT_IO (LSR always says ready), the
 * debug-exit port ends the run, and exitio's port is answered as
 * exitloop answers it (last OUT * 2 + 1).  Then times KVM_GET_REGS and
 * KVM_SET_REGS.
 *
 *   $ kvmbench tests/bench/x86/exitio.elf 2000
 *   exitio checksum=0x... insns=0x...
 *   exitio answered=0x...
 *   exits=40000 per_exit_ns=... median_ns=... min_ns=...
 *   op=get_regs n=2000 median_ns=... min_ns=... p90_ns=...
 *   op=set_regs n=2000 median_ns=... min_ns=... p90_ns=...
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (32u << 20)
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define GUEST_PORT 0xe0
#define MAX_EXITS 4000000u

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
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("op=%s n=%u median_ns=%llu min_ns=%llu p90_ns=%llu\n", op, n,
	       (unsigned long long)t[n / 2], (unsigned long long)t[0],
	       (unsigned long long)t[n * 9 / 10]);
}

static void die(const char *what)
{
	fprintf(stderr, "kvmbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Copy the PT_LOAD segments of an ELF32 image to guest memory; returns the entry. */
static uint32_t load_elf(const char *path, uint8_t *mem)
{
	struct stat st;
	uint8_t *img;
	Elf32_Ehdr *eh;
	uint32_t entry;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		die(path);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die("mmap image");
	eh = (Elf32_Ehdr *)img;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386) {
		fprintf(stderr, "kvmbench: %s: not an i386 ELF32 image\n", path);
		exit(1);
	}
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff + i * eh->e_phentsize);

		if (ph->p_type != PT_LOAD)
			continue;
		if ((uint64_t)ph->p_paddr + ph->p_memsz > MEM_SIZE || ph->p_filesz > ph->p_memsz ||
		    (uint64_t)ph->p_offset + ph->p_filesz > (uint64_t)st.st_size) {
			fprintf(stderr, "kvmbench: %s: segment out of range\n", path);
			exit(1);
		}
		memcpy(mem + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
		memset(mem + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	entry = eh->e_entry;
	munmap(img, st.st_size);
	close(fd);
	return entry;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
				   .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1 };
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint64_t *t, t0, start, last = 0;
	unsigned n = 0, nops;
	int kvm, vm, vcpu, mmap_size, done = 0;
	uint8_t *mem;

	if (argc != 3) {
		fprintf(stderr, "usage: kvmbench GUEST.elf N\n");
		return 2;
	}
	nops = strtoul(argv[2], NULL, 0);
	if (nops < 1 || nops > 10000000)
		nops = 1000;
	if ((kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
		die("/dev/kvm");
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	region = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = 0,
		.memory_size = MEM_SIZE, .userspace_addr = (uintptr_t)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	if ((vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		die("KVM_CREATE_VCPU");
	if ((mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0)) <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	flat_segment(&sregs.cs, 0x08, 0xb);
	flat_segment(&sregs.ds, 0x10, 0x3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = (sregs.cr0 | 1) & ~0x80000000ull;	/* PE, paging off */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = load_elf(argv[1], mem);
	regs.rflags = 2;
	regs.rax = 0x2badb002;			/* multiboot magic; no info block */
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");

	t = malloc(MAX_EXITS * sizeof(*t));
	if (!t)
		die("malloc");
	start = t0 = now_ns();
	while (!done) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
			die("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "kvmbench: unexpected exit reason %u\n", run->exit_reason);
			return 1;
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		uint32_t v = 0;

		memcpy(&v, data, run->io.size);
		switch (run->io.port) {
		case COM1:
			if (run->io.direction == KVM_EXIT_IO_OUT)
				putchar(v);
			break;
		case COM1 + 5:
			*data = 0x60;		/* THR and transmitter empty */
			break;
		case DEBUG_EXIT:
			done = 1;
			break;
		case GUEST_PORT:
			if (run->io.direction == KVM_EXIT_IO_OUT) {
				last = v;
			} else {
				v = (last * 2 + 1) & 0xffffffff;
				memcpy(data, &v, run->io.size);
			}
			if (n < MAX_EXITS) {
				uint64_t t1 = now_ns();

				t[n++] = t1 - t0;
				t0 = t1;
			}
			break;
		default:
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset(data, 0xff, run->io.size);
		}
		if (run->io.port != GUEST_PORT)
			t0 = now_ns();
	}
	fflush(stdout);
	if (n) {
		uint64_t total = 0;

		for (unsigned i = 0; i < n; i++)
			total += t[i];
		qsort(t, n, sizeof(*t), cmp_u64);
		printf("exits=%u per_exit_ns=%llu median_ns=%llu min_ns=%llu\n", n,
		       (unsigned long long)(total / n), (unsigned long long)t[n / 2],
		       (unsigned long long)t[0]);
	}
	printf("elapsed_ns=%llu\n", (unsigned long long)(now_ns() - start));

	for (unsigned i = 0; i < nops && i < MAX_EXITS; i++) {
		t0 = now_ns();
		if (ioctl(vcpu, KVM_GET_REGS, &regs))
			die("KVM_GET_REGS");
		t[i] = now_ns() - t0;
	}
	report("get_regs", t, nops < MAX_EXITS ? nops : MAX_EXITS);
	for (unsigned i = 0; i < nops && i < MAX_EXITS; i++) {
		regs.rax = i;
		t0 = now_ns();
		if (ioctl(vcpu, KVM_SET_REGS, &regs))
			die("KVM_SET_REGS");
		t[i] = now_ns() - t0;
	}
	report("set_regs", t, nops < MAX_EXITS ? nops : MAX_EXITS);
	return 0;
}
