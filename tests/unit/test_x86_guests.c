/*
 * x86 guests through the vmm API (no FUSE): each guest in tests/guests/x86
 * is loaded with the multiboot loader and run like a KVM user would, with
 * exits answered in between.  Also: loader refusals, single-stepping, and
 * the compute guest against the same C compiled for the host (whose MIPS
 * figure is printed, not asserted).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "vmm/text.h"
#include "vmm/vm.h"

#include "../guests/x86/compute.c"

#define DIR "tests/guests/x86/"

static struct vm *new_vm(const char *name, const char *mem)
{
	char opts_s[64], why[256] = "";
	struct kvlist opts;
	struct vm *vm = NULL;

	snprintf(opts_s, sizeof(opts_s), "arch=x86%s%s", mem ? " mem=" : "", mem ? mem : "");
	kv_split(opts_s, &opts);
	if (vm_create(name, getuid(), getgid(), &opts, &vm, why, sizeof(why)))
		printf("# create %s: %s\n", name, why);
	return vm;
}

static void done(struct vm *vm)
{
	if (vm) {
		vm_destroy(vm);
		vm_put(vm);
	}
}

static int load(struct vm *vm, const char *elf, const char *args)
{
	char a[256] = "";
	struct kvlist kv = { 0 };
	int fd = open(elf, O_RDONLY), r;

	if (fd < 0) {
		printf("# cannot open %s\n", elf);
		return -errno;
	}
	if (args) {
		snprintf(a, sizeof(a), "%s", args);
		kv_split(a, &kv);
	}
	r = vm_load(vm, fd, elf, &kv);
	close(fd);
	return r;
}

static const struct vcpu_exit *run(struct vm *vm)
{
	char why[256] = "";

	uint64_t seq;
	int r = vcpu_run_begin(vm->vcpu[0], MODE_FOREGROUND, 0, &seq, why, sizeof(why));

	/* long runs (the compute benchmark) outlast any one wait */
	while (!r && (r = vcpu_run_wait(vm->vcpu[0], seq, 1000)) == -ETIMEDOUT)
		r = 0;
	if (r)
		printf("# run: %s (%s)\n", why, strerror(-r));
	if (vm->vcpu[0]->exit.reason == EXIT_INTERNAL_ERROR)
		printf("#   internal error at 0x%llx: %s\n",
		       (unsigned long long)vm->vcpu[0]->exit.internal.addr, vm->vcpu[0]->exit.internal.why);
	return &vm->vcpu[0]->exit;
}

static void complete(struct vm *vm, const char *text)
{
	char t[64], why[256] = "";
	struct kvlist kv;

	snprintf(t, sizeof(t), "%s", text);
	kv_split(t, &kv);
	vcpu_hold(vm->vcpu[0]);
	if (exit_complete(&vm->vcpu[0]->exit, &kv, why, sizeof(why)))
		printf("# complete: %s\n", why);
	vcpu_release(vm->vcpu[0]);
}

static const char *console(struct vm *vm)
{
	static char out[1 << 16];
	size_t n = console_read(&vm->console, 0, out, sizeof(out) - 1);

	out[n] = 0;
	return out;
}

static int exited(const struct vcpu_exit *e, uint64_t code)
{
	return e->reason == EXIT_SYSTEM_EVENT && e->system_event.type == SYSEV_EXIT &&
	       e->system_event.code == code;
}

static void hello(void)
{
	struct vm *vm = new_vm("x86-hello", "16M");

	CHECK_EQ(load(vm, DIR "hello.elf", NULL), 0, "hello.elf loads");
	CHECK(exited(run(vm), 0), "hello exits through port 0xf4 with code 0");
	CHECK_STR(console(vm), "Hello from vmmfs\n", "hello prints its line on COM1");
	CHECK(vm->vcpu[0]->stat[STAT_PIO_INKERNEL] > 0, "COM1 accesses are handled in the daemon");
	done(vm);
}

static void step(void)
{
	struct vm *vm = new_vm("x86-step", "16M");
	char why[256];

	load(vm, DIR "hello.elf", NULL);
	CHECK_EQ(vcpu_run(vm->vcpu[0], MODE_STEP, 1, why, sizeof(why)), 0, "step 1 runs");
	CHECK_EQ(vm->vcpu[0]->exit.reason, EXIT_DEBUG, "step 1 ends with a debug exit");
	CHECK_EQ(vm->vcpu[0]->stat[STAT_INSNS], 1, "step 1 executes exactly one instruction");
	CHECK_EQ(vm->vcpu[0]->exit.debug.pc, 0x100013, "after lgdt (7 bytes at the entry 0x10000c) rip is 0x100013");
	vcpu_run(vm->vcpu[0], MODE_STEP, 5, why, sizeof(why));
	CHECK_EQ(vm->vcpu[0]->stat[STAT_INSNS], 6, "step 5 executes five more");
	done(vm);
}

static void io(void)
{
	struct vm *vm = new_vm("x86-io", "16M");
	const struct vcpu_exit *e;

	load(vm, DIR "io.elf", NULL);
	e = run(vm);
	CHECK(e->reason == EXIT_IO && !e->io.dir_out && e->io.port == 0x510 && e->io.size == 1,
	      "in from port 0x510 exits to userspace");
	complete(vm, "data=0x41");
	e = run(vm);
	CHECK(e->reason == EXIT_IO && e->io.dir_out && e->io.port == 0x511 && e->io.data == 0x42,
	      "the guest writes the value + 1 to port 0x511 (data=0x%llx)", (unsigned long long)e->io.data);
	CHECK(exited(run(vm), 0), "io exits with code 0");
	CHECK_STR(console(vm), "io: read 0x00000041\n", "io prints the completed value");
	done(vm);
}

static void mmio(void)
{
	struct vm *vm = new_vm("x86-mmio", "16M");
	const struct vcpu_exit *e;

	load(vm, DIR "mmio.elf", NULL);
	e = run(vm);
	CHECK(e->reason == EXIT_MMIO && e->mmio.write && e->mmio.gpa == 0xd0000000 && e->mmio.len == 4 &&
	      e->mmio.data == 0x12345678, "the write to 0xd0000000 exits as mmio with its data");
	e = run(vm);
	CHECK(e->reason == EXIT_MMIO && !e->mmio.write && e->mmio.gpa == 0xd0000004 && e->mmio.len == 4,
	      "the read of 0xd0000004 exits as mmio");
	complete(vm, "data=0xcafef00d");
	CHECK(exited(run(vm), 0), "mmio exits with code 0");
	CHECK_STR(console(vm), "mmio: read 0xcafef00d\n", "mmio prints the completed value");
	done(vm);
}

static void dirty(void)
{
	struct vm *vm = new_vm("x86-dirty", NULL);
	struct memslot_req rq = { .id = 0, .gpa = 0, .size = 16 << 20, .flags = MEMSLOT_DIRTY_LOG,
				  .has_gpa = true, .has_flags = true, .fd = -1 };
	struct buf b;

	CHECK_EQ(vm_set_memslot(vm, &rq), 0, "a 16M slot with dirty logging");
	load(vm, DIR "dirty.elf", NULL);
	buf_init(&b);
	vm_dirty_harvest(vm, &b);	/* the loader's writes are not the guest's */
	buf_reset(&b);
	run(vm);
	CHECK_EQ(vm->vcpu[0]->exit.io.port, 0x510, "dirty stops at port 0x510");
	vm_dirty_harvest(vm, &b);
	buf_put(&b, "", 1);
	CHECK(strstr(b.p, "gfn=0x200 gpa=0x200000 pages=2\n") && strstr(b.p, "gfn=0x205 gpa=0x205000 pages=1\n"),
	      "pages 0x200, 0x201 and 0x205 are dirty");
	CHECK(!strstr(b.p, "gfn=0x300 "), "page 0x300 is not dirty yet");
	if (!strstr(b.p, "gfn=0x200"))
		check_show("dirty_log", b.p);
	buf_reset(&b);
	CHECK(exited(run(vm), 0), "dirty exits with code 0");
	vm_dirty_harvest(vm, &b);
	buf_put(&b, "", 1);
	CHECK(strstr(b.p, "gfn=0x300 gpa=0x300000 pages=1\n") != NULL, "then page 0x300 is dirty");
	CHECK(!strstr(b.p, "gfn=0x200 ") && !strstr(b.p, "gfn=0x205 "), "and the harvested pages are clean");
	buf_free(&b);
	done(vm);
}

/* Inject interrupt.nr=0x40 through the events state file, as fs/ would. */
static int inject(struct vm *vm, unsigned vec)
{
	const struct state_desc *d = vm->arch->state_files[2];
	uint8_t st[d->size];
	uint64_t written[1] = { 0 };
	char why[256] = "";
	int r = -ENOENT;

	vcpu_hold(vm->vcpu[0]);
	d->get(vm->vcpu[0], st);
	for (unsigned k = 0; k < d->nfields; k++) {
		if (!strcmp(d->fields[k].name, "interrupt.injected"))
			st[d->fields[k].offset] = 1, written[0] |= 1ull << k;
		if (!strcmp(d->fields[k].name, "interrupt.nr"))
			st[d->fields[k].offset] = vec, written[0] |= 1ull << k;
	}
	if (written[0])
		r = d->set(vm->vcpu[0], st, written, why, sizeof(why));
	vcpu_release(vm->vcpu[0]);
	if (r)
		printf("# inject: %s\n", why);
	return r;
}

static void events(void)
{
	struct vm *vm = new_vm("x86-events", "16M");
	const char *c;

	CHECK_STR(vm->arch->state_files[2]->file, "events", "the third state file is events");
	load(vm, DIR "events.elf", NULL);
	CHECK_EQ(run(vm)->reason, EXIT_HLT, "events waits in sti; hlt (reason=hlt)");
	c = console(vm);
	CHECK(!strncmp(c, "irq 0x40\n#UD at 0x", 18) && strstr(c, "\nwaiting\n"),
	      "int $0x40 and ud2 go through the IDT");
	CHECK_EQ(inject(vm, 0x40), 0, "interrupt.injected=1 interrupt.nr=0x40 is accepted");
	CHECK_EQ(run(vm)->reason, EXIT_HLT, "after the interrupt it halts again");
	CHECK(strstr(console(vm), "waiting\nirq 0x40\n") != NULL, "the injected interrupt ran the handler");
	inject(vm, 0x40);
	CHECK(exited(run(vm), 0), "a second interrupt ends the guest");
	CHECK(strstr(console(vm), "irq 0x40\nirq 0x40\nevents: done\n") != NULL, "both handled in order");
	done(vm);
}

static void realmode(void)
{
	struct vm *vm = new_vm("x86-realmode", "16M");

	load(vm, DIR "realmode.elf", NULL);
	CHECK(exited(run(vm), 0), "realmode exits with code 0");
	CHECK_STR(console(vm), "32-bit protected mode\nreal mode\nint 0x30 through the IVT\n"
		  "real mode again after iret\nback in 32-bit protected mode\n",
		  "realmode goes protected -> real -> protected and prints in each");
	done(vm);
}

static char host_out[4096];

static void host_emit(const char *s)
{
	strncat(host_out, s, sizeof(host_out) - strlen(host_out) - 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void compute(unsigned rounds)
{
	struct vm *vm = new_vm("x86-compute", "16M");
	char args[64];
	uint64_t insns;
	double t0, t;
	int ok;

	snprintf(args, sizeof(args), "cmdline=rounds=%u", rounds);
	host_out[0] = 0;
	compute_run(rounds, host_emit);
	load(vm, DIR "compute.elf", args);
	t0 = now();
	ok = exited(run(vm), 0);
	t = now() - t0;
	insns = vm->vcpu[0]->stat[STAT_INSNS];
	CHECK(ok, "compute (rounds=%u) exits with code 0", rounds);
	CHECK_STR(console(vm), host_out, "compute (rounds=%u) prints what the host build prints", rounds);
	printf("# compute rounds=%u: %llu instructions in %.3f s = %.1f MIPS\n", rounds,
	       (unsigned long long)insns, t, insns / t / 1e6);
	for (unsigned k = 0; k < vm->arch->nstats; k++)
		printf("#   %s=%llu\n", vm->arch->stat_names[k], (unsigned long long)vm->vcpu[0]->astat[k]);
	done(vm);
}

static void demo(void)
{
	struct vm *vm = new_vm("x86-demo", "16M");

	load(vm, DIR "demo.elf", NULL);
	CHECK(exited(run(vm), 0), "demo exits with code 0");
	CHECK(strstr(console(vm), "primes below 100: 2 3 5 7 11") && strstr(console(vm), "bye\n"),
	      "demo prints its work");
	done(vm);
}

static void refusals(void)
{
	struct vm *vm = new_vm("x86-refuse", "16M"), *small = new_vm("x86-small", "512K");

	CHECK_EQ(load(vm, "Makefile", NULL), -EINVAL, "a file without a multiboot header is refused");
	CHECK_EQ(load(vm, DIR "hello.elf", "bogus=1"), -EINVAL, "an unknown load argument is refused");
	CHECK_EQ(load(small, DIR "hello.elf", NULL), -ENOMEM, "an image beyond RAM is refused");
	done(vm);
	done(small);
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? atoi(argv[1]) : 20;

	hello();
	step();
	io();
	mmio();
	dirty();
	events();
	realmode();
	demo();
	refusals();
	compute(1);
	compute(rounds);
	return check_done();
}
