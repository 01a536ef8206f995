/*
 * The x86 CPU beyond the first slice, through the vmm API: the 64-bit
 * compute guest (the same C as compute.c, built -m64) against the host
 * build; ring 3, syscall/sysret, TSS stack switches, IST and #GP error
 * codes in long mode; the cpuid model and its KVM leaves; rdmsr/wrmsr
 * semantics.  Prints the MIPS of the 32- and 64-bit compute guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "arch/x86/cpu.h"
#include "vmm/text.h"
#include "vmm/vm.h"

#include "../guests/x86/compute.c"

#define DIR "tests/guests/x86/"

static struct vm *new_vm(const char *name)
{
	char opts_s[] = "arch=x86 mem=16M", why[256] = "";
	struct kvlist opts;
	struct vm *vm = NULL;

	kv_split(opts_s, &opts);
	if (vm_create(name, getuid(), getgid(), &opts, &vm, why, sizeof(why)))
		printf("# create %s: %s\n", name, why);
	return vm;
}

static void done(struct vm *vm)
{
	vm_destroy(vm);
	vm_put(vm);
}

static int load(struct vm *vm, const char *elf, const char *args)
{
	char a[256] = "";
	struct kvlist kv = { 0 };
	int fd = open(elf, O_RDONLY), r;

	if (fd < 0) {
		printf("# cannot open %s\n", elf);
		return -1;
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

	while (!r && (r = vcpu_run_wait(vm->vcpu[0], seq, 1000)) == -ETIMEDOUT)
		r = 0;
	if (vm->vcpu[0]->exit.reason == EXIT_INTERNAL_ERROR)
		printf("#   internal error at 0x%llx: %s\n",
		       (unsigned long long)vm->vcpu[0]->exit.internal.addr, vm->vcpu[0]->exit.internal.why);
	return &vm->vcpu[0]->exit;
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

/* armed: an execute breakpoint that never hits, so every instruction runs on its own. */
static void compute(const char *elf, unsigned rounds, int armed)
{
	struct vm *vm = new_vm("x86-cpu-compute");
	char args[64];
	uint64_t insns;
	double t0, t;

	snprintf(args, sizeof(args), "cmdline=rounds=%u", rounds);
	host_out[0] = 0;
	compute_run(rounds, host_emit);
	load(vm, elf, args);
	if (armed) {
		x86_of(vm->vcpu[0])->s.dr[0] = 0xfffff000;
		x86_of(vm->vcpu[0])->s.dr7 = 0x401;
		x86_debug_update(x86_of(vm->vcpu[0]));
	}
	t0 = now();
	CHECK(exited(run(vm), 0), "%s (rounds=%u) exits with code 0", elf, rounds);
	t = now() - t0;
	insns = vm->vcpu[0]->stat[STAT_INSNS];
	CHECK_STR(console(vm), host_out, "%s (rounds=%u) prints what the host build prints", elf, rounds);
	printf("# %s rounds=%u%s: %llu instructions in %.3f s = %.1f MIPS\n", elf, rounds,
	       armed ? " (a breakpoint armed)" : "", (unsigned long long)insns, t, insns / t / 1e6);
	done(vm);
}

static void ring64(void)
{
	struct vm *vm = new_vm("x86-ring64");

	load(vm, DIR "cpu_ring64.elf", NULL);
	CHECK(exited(run(vm), 0), "ring64 exits with code 0");
	CHECK_STR(console(vm),
		  "ring64: start\n"
		  "ring 3 via syscall\n"
		  "sysret back\n"
		  "int 0x80 from ring 3 on the RSP0 stack\n"
		  "#GP error=0x00000000\n"
		  "#GP error=0x00000010\n"
		  "int3 on the IST1 stack\n"
		  "ring64: done\n", "ring64: syscall/sysret, RSP0 and IST stacks, #GP error codes");
	CHECK(x86_of(vm->vcpu[0])->s.efer & EFER_LMA, "ring64 ran in long mode (efer.lma)");
	done(vm);
}

static void ring32(void)
{
	struct vm *vm = new_vm("x86-ring32");

	load(vm, DIR "cpu_ring32.elf", NULL);
	CHECK(exited(run(vm), 0), "ring32 exits with code 0");
	CHECK_STR(console(vm),
		  "ring32: start\n"
		  "ring 3 prints through the I/O bitmap\n"
		  "int 0x80 from ring 3 on the ESP0 stack\n"
		  "sysenter to ring 0\n"
		  "sysexit back to ring 3\n"
		  "#GP error=0x00000000\n#GP error=0x00000000\n#GP error=0x00000000\n"
		  "#GP error=0x00000000\n#GP error=0x00000000\n#GP error=0x00000000\n"
		  "#GP error=0x00000000\n"
		  "#GP error=0x00000010\n"
		  "#GP error=0x0000040a\n"
		  "ring32: done\n", "ring32: ESP0 stack, sysenter/sysexit, I/O bitmap, #GP error codes");
	done(vm);
}

/* The guest's own #DB handler, then the same breakpoint ending the run with debug on. */
static void debug_regs(void)
{
	struct vm *vm = new_vm("x86-debug");
	struct x86_cpu *c = x86_of(vm->vcpu[0]);
	char why[128];
	const struct vcpu_exit *e;

	load(vm, DIR "cpu_debug.elf", NULL);
	CHECK(exited(run(vm), 0), "cpu_debug exits with code 0");
	CHECK(strstr(console(vm), "tf: traps=6 dr6=0x00004000\n") && !strstr(console(vm), "WRONG"),
	      "cpu_debug: breakpoints, watchpoints and TF as the guest sees them");
	done(vm);

	vm = new_vm("x86-guest-debug");
	c = x86_of(vm->vcpu[0]);
	load(vm, DIR "cpu_debug.elf", NULL);
	c->s.dr[0] = 0x100000;		/* never executed: the multiboot header */
	c->s.dr[1] = c->s.rip;		/* the entry point */
	c->s.dr7 = 0x400 | 0x4;
	x86_debug_update(c);
	CHECK(x86_set_guest_debug(vm, 1, why, sizeof(why)) == 0, "debug on");
	e = run(vm);
	CHECK(e->reason == EXIT_DEBUG && e->debug.kind == 1 && e->debug.pc == c->s.rip,
	      "an execute breakpoint on the entry ends the run before it (kind=1)");
	CHECK(c->s.dr6 == 0xffff0ff0, "with debug on the guest's DR6 is untouched");
	CHECK(c->s.rflags & FL_RF, "RF is set so that run goes on past the breakpoint");
	/* the guest arms its own breakpoints later: they must reach it again */
	x86_set_guest_debug(vm, 0, why, sizeof(why));
	CHECK(exited(run(vm), 0), "with debug off the guest then runs to its end");
	CHECK(strstr(console(vm), "debug: done\n") != NULL, "past the breakpoint the guest ran normally");
	done(vm);
}

static void cpuid_model(void)
{
	struct vm *vm = new_vm("x86-cpuid");
	struct x86_cpu *c = x86_of(vm->vcpu[0]);
	uint32_t r[4];

	x86_cpuid_vcpu(c, 0x40000000, 0, r);
	CHECK(r[0] == 0x40000001 && !memcmp(&r[1], "KVMKVMKVM\0\0\0", 12),
	      "leaf 0x40000000: eax=0x40000001, KVMKVMKVM");
	x86_cpuid_vcpu(c, 0x80000001, 0, r);
	CHECK(r[3] & (1u << 29), "leaf 0x80000001 advertises long mode");
	x86_cpuid_vcpu(c, 1, 0, r);
	CHECK(!(r[3] & 1) && !(r[3] & (1u << 25)), "leaf 1 advertises no FPU and no SSE");
	done(vm);
}

static void msrs(void)
{
	struct vm *vm = new_vm("x86-msr");
	struct x86_cpu *c = x86_of(vm->vcpu[0]);
	uint64_t v;

	CHECK(msr_read(c, 0x12345, &v) == -1, "an unknown MSR is refused (#GP)");
	CHECK(msr_write(c, 0xc0000082, 0x0000800000000000ull) == -1, "a non-canonical LSTAR is refused");
	CHECK(msr_write(c, 0xc0000082, 0xffff800000001000ull) == 0 && msr_read(c, 0xc0000082, &v) == 0 &&
	      v == 0xffff800000001000ull, "LSTAR reads back what was written");
	CHECK(msr_write(c, 0x277, 0x0202020202020202ull) == -1, "a PAT with a reserved type is refused");
	CHECK(msr_write(c, 0xc0000080, 1u << 9) == -1, "EFER reserved bit 9 is refused");
	CHECK(msr_write(c, 0xc0000100, 0x1234000) == 0 && c->s.seg[SEG_FS].base == 0x1234000,
	      "FS_BASE is the FS segment base");
	done(vm);
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? atoi(argv[1]) : 20;

	cpuid_model();
	msrs();
	ring64();
	ring32();
	debug_regs();
	compute(DIR "cpu_compute64.elf", 1, 0);
	compute(DIR "compute.elf", rounds, 0);
	compute(DIR "cpu_compute64.elf", rounds, 0);
	compute(DIR "compute.elf", rounds, 1);
	return check_done();
}
