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

/* Far transfers through descriptors: the output QEMU prints for the same guest (diff_x86.sh). */
static void gates(void)
{
	struct vm *vm = new_vm("x86-gate");

	load(vm, DIR "cpu_gate.elf", NULL);
	CHECK(exited(run(vm), 0), "cpu_gate exits with code 0");
	CHECK_STR(console(vm),
		  "gate: start\n"
		  "ldtr=0x00000058\n"
		  "far call to a conforming segment: cs=0x00000038\n"
		  "far jmp through a call gate: cs=0x00000008\n"
		  "ring 3: cs=0x0000001b\n"
		  "far call to a conforming segment: cs=0x0000003b\n"
		  "call gate to ring 0: ss=0x00000010\n"
		  "caller cs=0x0000001b\n"
		  "param 0=0x22222222\n"
		  "param 1=0x11111111\n"
		  "caller ss=0x00000023\n"
		  "after lret $8 to ring 3: es=0x00000000\n"
		  "fs=0x00000000\n"
		  "gs=0x00000023\n"
		  "LDT data segment fs:0=0x4c445421\n"
		  "call gate in the LDT: cs=0x00000008\n"
		  "fs=0x0000000f\n"
		  "16-bit call gate: param=0x0000beef\n"
		  "16-bit frame: caller sp=0x000007fe\n"
		  "caller cs=0x0000007b\n"
		  "caller ss=0x0000008b\n"
		  "#GP error=0x00000008\n"
		  "#GP error=0x00000050\n"
		  "#NP error=0x00000048\n"
		  "#NP error=0x00000060\n"
		  "#GP error=0x00000010\n"
		  "#GP error=0x00000008\n"
		  "#GP error=0x00000020\n"
		  "#GP error=0x000001f8\n"
		  "#GP error=0x0000000c\n"
		  "#GP error=0x00000000\n"
		  "#GP error=0x00000008\n"
		  "#TS error=0x00000020\n"
		  "#TS error=0x00000018\n"
		  "#GP error=0x00000018\n"
		  "ss=0x00000023\n"
		  "gate: done\n",
		  "cpu_gate: conforming segments, call gates with parameters, LDT, 16-bit gate, #GP/#NP/#TS");
	CHECK(x86_of(vm->vcpu[0])->s.seg[SEG_LDT].sel == 0x58, "cpu_gate: the LDT stays loaded");
	done(vm);
}

/*
 * Hardware task switches (cpu_task.S): the output QEMU prints for the same
 * guest (diff_x86.sh), and what it does not print: a fault after a switch
 * was committed belongs to the new task, whose saved EIP is its first
 * instruction (the guest leaves that EIP minus the task's entry at 0x500).
 */
static void tasks(void)
{
	struct vm *vm = new_vm("x86-task");
	uint32_t rel = ~0u;

	load(vm, DIR "cpu_task.elf", NULL);
	vm_mem_write(vm, 0x500, &rel, 4);	/* not what the guest leaves there */
	CHECK(exited(run(vm), 0), "cpu_task exits with code 0");
	CHECK_STR(console(vm),
		  "task: start\n"
		  "tr=0x00000028\n"
		  "main: [0x800000]=0x4e49414d\n"
		  "task A: eax=0xa0a0a0a0\n"
		  "  ebx=0xb0b0b0b0\n"
		  "  ebp=0xbbbbbbbb\n"
		  "tr=0x00000030\n"
		  "  eflags.nt=0x00000001\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  link=0x00000028\n"
		  "  main's saved esi=0x11111111\n"
		  "  main descriptor type=0x0000000b\n"
		  "main after iret: esi=0x11111111\n"
		  "main after iret: edi=0x22222222\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "task A descriptor type=0x00000009\n"
		  "task A saved eip - a_after_iret=0x00000000\n"
		  "task A: eax=0xa1a1a1a1\n"
		  "  ebx=0xb0b0b0b0\n"
		  "  ebp=0xbbbbbbbb\n"
		  "tr=0x00000030\n"
		  "  eflags.nt=0x00000001\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  link=0x00000028\n"
		  "  main's saved esi=0x11111111\n"
		  "  main descriptor type=0x0000000b\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "task A: eax=0xa1a1a1a1\n"
		  "  ebx=0xb0b0b0b0\n"
		  "  ebp=0xbbbbbbbb\n"
		  "tr=0x00000030\n"
		  "  eflags.nt=0x00000001\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  link=0x00000028\n"
		  "  main's saved esi=0x11111111\n"
		  "  main descriptor type=0x0000000b\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "task A descriptor type=0x00000009\n"
		  "tr=0x00000038\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  cs=0x0000001b\n"
		  "  ss=0x00000023\n"
		  "  fs=0x0000000f\n"
		  "  ldtr=0x00000068\n"
		  "  fs:0=0x4c445442\n"
		  "  [0x800000]=0x4b534154\n"
		  "  main descriptor type=0x00000009\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "main: [0x800000]=0x4e49414d\n"
		  "task B descriptor type=0x00000009\n"
		  "  ldtr=0x00000000\n"
		  "#GP error=0x00000028\n"
		  "#GP error=0x00000028\n"
		  "#GP error=0x00000028\n"
		  "#NP error=0x00000070\n"
		  "#GP error=0x00000030\n"
		  "#TS task: error=0x00000048\n"
		  "tr=0x00000058\n"
		  "  eflags.nt=0x00000001\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  link=0x00000028\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "#TS task: error=0x00000018\n"
		  "tr=0x00000058\n"
		  "  eflags.nt=0x00000001\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  link=0x00000060\n"
		  "bad task descriptor type=0x0000000b\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "bad task descriptor type=0x00000009\n"
		  "#DF task: error=0x00000000\n"
		  "tr=0x00000050\n"
		  "  eflags.nt=0x00000001\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "  link=0x00000028\n"
		  "  saved eip - df_insn=0x00000000\n"
		  "  main descriptor type=0x0000000b\n"
		  "tr=0x00000028\n"
		  "  eflags.nt=0x00000000\n"
		  "  cr0.ts=0x00000001\n"
		  "  own descriptor type=0x0000000b\n"
		  "#DF task descriptor type=0x00000009\n"
		  "task: done\n",
		  "cpu_task: call/iret, task gates in the GDT and IDT, jmp to ring 3 with LDT and CR3, busy #GP, #NP, #TS, #DF");
	CHECK(vm_mem_read(vm, 0x500, &rel, 4) == 4 && rel == 0,
	      "cpu_task: #TS after the switch returns to the new task's first instruction");
	done(vm);
}

/* 64-bit call gates in long mode (cpu_gate64.S): the output QEMU prints (diff_x86.sh). */
static void gates64(void)
{
	struct vm *vm = new_vm("x86-gate64");

	load(vm, DIR "cpu_gate64.elf", NULL);
	CHECK(exited(run(vm), 0), "cpu_gate64 exits with code 0");
	CHECK_STR(console(vm),
		  "gate64: start\n"
		  "far jmp through a 64-bit call gate in ring 0: cs=0x00000008\n"
		  "ring 3: cs=0x0000002b\n"
		  "64-bit call gate to ring 0: cs=0x00000008\n"
		  "ss=0x00000000\n"
		  "caller cs=0x0000002b\n"
		  "caller ss=0x00000023\n"
		  "after lretq: cs=0x0000002b\n"
		  "ss=0x00000023\n"
		  "#GP error=0x00000050\n"
		  "#GP error=0x00000018\n"
		  "#GP error=0x00000030\n"
		  "#GP error=0x00000070\n"
		  "gate64: done\n",
		  "cpu_gate64: ring 3 to ring 0 and back with lretq, jmp through a gate, #GP(sel)");
	done(vm);
}

/* Real mode, 16-bit and 32-bit protected mode, long and compatibility mode (cpu_modes.S): QEMU's output. */
static void modes(void)
{
	struct vm *vm = new_vm("x86-modes");

	load(vm, DIR "cpu_modes.elf", NULL);
	CHECK(exited(run(vm), 0), "cpu_modes exits with code 0");
	CHECK_STR(console(vm),
		  "real mode: int 0x30 through the IVT doubled ax: bx=0x00002468\n"
		  "real mode: the caller's cs on the handler's stack=0x00000700\n"
		  "real mode: 1234:0010=0xcafe5678\n"
		  "real mode: 1235:0000=0xcafe5678\n"
		  "real mode: 1000:2350=0xcafe5678\n"
		  "real mode: es:[0xffff+1] wraps to es:0=0x0000005a\n"
		  "16-bit protected mode: cs=0x00000018\n"
		  "16-bit protected mode: roll $8 of 0x89abcdef=0xabcdef89\n"
		  "16-bit protected mode: pushl moves sp by 0x00000004\n"
		  "16-bit protected mode: popl=0x11223344\n"
		  "16-bit protected mode: addr32 load from 1 MiB up=0x600dc0de\n"
		  "32-bit protected mode: cr0=0x00000011\n"
		  "64-bit mode: bswap of 0x0123456789abcdef, low half=0x67452301\n"
		  "64-bit mode: high half=0xefcdab89\n"
		  "64-bit mode: r15=0x00000500\n"
		  "64-bit mode: efer=0x00000500\n"
		  "64-bit mode: cs=0x00000028\n"
		  "compatibility mode: cs=0x00000008\n"
		  "compatibility mode: 7 after 0x40=0x00000008\n"
		  "compatibility mode: efer=0x00000500\n"
		  "32-bit protected mode again: efer=0x00000100\n"
		  "modes: done\n",
		  "cpu_modes: real mode, 16-bit PM with prefixes, 32-bit PM, 64-bit and compatibility mode, and back");
	done(vm);
}

/*
 * Segment limits and rights as the SDM states them (QEMU's TCG does not
 * check data segment limits, so there is no reference run to compare with).
 */
static void seg_limits(void)
{
	struct vm *vm = new_vm("x86-seg");

	load(vm, DIR "cpu_seg.elf", NULL);
	CHECK(exited(run(vm), 0), "cpu_seg exits with code 0");
	CHECK_STR(console(vm),
		  "seg: start\n"
		  "limit 0xff: dword at 0xfc: ok\n"
		  "limit 0xff: dword at 0xfd: #GP error=0x00000000\n"
		  "limit 0xff: byte at 0xff: ok\n"
		  "limit 0xff: byte at 0x100: #GP error=0x00000000\n"
		  "limit 0xff: write at 0xfe: ok\n"
		  "limit 0xff: word write at 0xff: #GP error=0x00000000\n"
		  "read-only: read: ok\n"
		  "read-only: write: #GP error=0x00000000\n"
		  "read-only: add to memory: #GP error=0x00000000\n"
		  "code: read through cs: ok\n"
		  "code: write through cs: #GP error=0x00000000\n"
		  "execute-only code as ds: #GP error=0x00000038\n"
		  "execute-only: read through cs: #GP error=0x00000000\n"
		  "execute-only: write through cs: #GP error=0x00000000\n"
		  "expand-down B=1: dword at 0x1000: ok\n"
		  "expand-down B=1: dword at 0xffc: #GP error=0x00000000\n"
		  "expand-down B=1: dword at 0xffe: #GP error=0x00000000\n"
		  "expand-down B=1: dword at 0xfffffffc: ok\n"
		  "  value=0x600df00d\n"
		  "expand-down B=0: dword at 0x8000: ok\n"
		  "  value=0x5a5a1234\n"
		  "expand-down B=0: byte at 0x7fff: #GP error=0x00000000\n"
		  "expand-down B=0: word at 0xfffe: ok\n"
		  "expand-down B=0: dword at 0xfffe: #GP error=0x00000000\n"
		  "expand-down B=0: byte at 0x10000: #GP error=0x00000000\n"
		  "null ds: read: #GP error=0x00000000\n"
		  "null ds: write: #GP error=0x00000000\n"
		  "rep movsb across the limit: #GP error=0x00000000\n"
		  "  value=0x00000004\n"
		  "stack limit 0xfff: push: ok\n"
		  "stack limit 0xfff: ebp at 0x7fc: ok\n"
		  "stack limit 0xfff: ebp at 0xffc: ok\n"
		  "stack limit 0xfff: ebp at 0x1000: #SS error=0x00000000\n"
		  "stack limit 0xfff: ds override: ok\n"
		  "expand-down stack: 4 pushes: ok\n"
		  "expand-down stack: ebp-4: ok\n"
		  "expand-down stack: ebp-52: #SS error=0x00000000\n"
		  "seg: done\n",
		  "cpu_seg: limits, expand-down, read-only and execute-only segments, null DS, #SS(0)");
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
	gates();
	tasks();
	gates64();
	modes();
	seg_limits();
	debug_regs();
	compute(DIR "cpu_compute64.elf", 1, 0);
	compute(DIR "compute.elf", rounds, 0);
	compute(DIR "cpu_compute64.elf", rounds, 0);
	compute(DIR "compute.elf", rounds, 1);
	return check_done();
}
