/*
 * The x86 CPU beyond the first slice, through the vmm API: the guests of
 * guest_cases run to their end and must print all they print under QEMU
 * (rings, TSS stacks and #GP error codes in both widths, call gates, task
 * switches, segment limits, the modes from real to long); the 64-bit
 * compute guest (the same C as compute.c, built -m64) against the host
 * build; debug registers; the cpuid model and its KVM leaves; rdmsr/wrmsr
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

/* A guest run to its end: the code it exits with and all it prints. */
struct guest_case {
	const char *name;			/* the VM's, and the checks' */
	const char *image;			/* under DIR */
	const char *cmdline;			/* or NULL */
	uint64_t exit;
	const char *console;
	const char *what;			/* what that output shows works */
	void (*before)(struct vm *vm);		/* after the load: or NULL */
	void (*after)(struct vm *vm);		/* more checks on the stopped VM: or NULL */
};

static void in_long_mode(struct vm *vm)
{
	CHECK(x86_of(vm->vcpu[0])->s.efer & EFER_LMA, "ring64 ran in long mode (efer.lma)");
}

static void ldt_loaded(struct vm *vm)
{
	CHECK(x86_of(vm->vcpu[0])->s.seg[SEG_LDT].sel == 0x58, "cpu_gate: the LDT stays loaded");
}

/*
 * What QEMU does not print for cpu_task.S: a fault after a switch was
 * committed belongs to the new task, whose saved EIP is its first
 * instruction (the guest leaves that EIP minus the task's entry at 0x500).
 */
static void task_eip_unset(struct vm *vm)
{
	uint32_t rel = ~0u;

	vm_mem_write(vm, 0x500, &rel, 4);	/* not what the guest leaves there */
}

static void task_eip_first(struct vm *vm)
{
	uint32_t rel = ~0u;

	CHECK(vm_mem_read(vm, 0x500, &rel, 4) == 4 && rel == 0,
	      "cpu_task: #TS after the switch returns to the new task's first instruction");
}

/*
 * Where diff_x86.sh runs the same guest under QEMU, the console is what
 * QEMU prints; cpu_seg has no reference run (QEMU's TCG does not check
 * data segment limits), its console is what the SDM states.
 */
/* cpu_task.S's show_state: the task register, EFLAGS.NT, CR0.TS and the busy type of its TSS */
#define TASK_STATE(tr, nt) "tr=" tr "\n  eflags.nt=0x0000000" nt "\n  cr0.ts=0x00000001\n" \
	"  own descriptor type=0x0000000b\n"
/* task A entered: its registers from its TSS, its state, the link back and the caller's saved state */
#define TASK_A(eax) "task A: eax=" eax "\n  ebx=0xb0b0b0b0\n  ebp=0xbbbbbbbb\n" TASK_STATE("0x00000030", "1") \
	"  link=0x00000028\n  main's saved esi=0x11111111\n  main descriptor type=0x0000000b\n"

static const struct guest_case guest_cases[] = {
	{ "x86-ring64", "cpu_ring64.elf", NULL, 0,
		"ring64: start\n"
		"ring 3 via syscall\n"
		"sysret back\n"
		"int 0x80 from ring 3 on the RSP0 stack\n"
		"#GP error=0x00000000\n"
		"#GP error=0x00000010\n"
		"int3 on the IST1 stack\n"
		"ring64: done\n",
	  "ring64: syscall/sysret, RSP0 and IST stacks, #GP error codes", NULL, in_long_mode },
	{ "x86-ring32", "cpu_ring32.elf", NULL, 0,
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
		"ring32: done\n",
	  "ring32: ESP0 stack, sysenter/sysexit, I/O bitmap, #GP error codes", NULL, NULL },
	{ "x86-gate", "cpu_gate.elf", NULL, 0,
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
	  "cpu_gate: conforming segments, call gates with parameters, LDT, 16-bit gate, #GP/#NP/#TS", NULL, ldt_loaded },
	{ "x86-task", "cpu_task.elf", NULL, 0,
		"task: start\n"
		"tr=0x00000028\n"
		"main: [0x800000]=0x4e49414d\n"
		TASK_A("0xa0a0a0a0")
		"main after iret: esi=0x11111111\n"
		"main after iret: edi=0x22222222\n"
		TASK_STATE("0x00000028", "0")
		"task A descriptor type=0x00000009\n"
		"task A saved eip - a_after_iret=0x00000000\n"
		TASK_A("0xa1a1a1a1")
		TASK_STATE("0x00000028", "0")
		TASK_A("0xa1a1a1a1")
		TASK_STATE("0x00000028", "0")
		"task A descriptor type=0x00000009\n"
		TASK_STATE("0x00000038", "0")
		"  cs=0x0000001b\n"
		"  ss=0x00000023\n"
		"  fs=0x0000000f\n"
		"  ldtr=0x00000068\n"
		"  fs:0=0x4c445442\n"
		"  [0x800000]=0x4b534154\n"
		"  main descriptor type=0x00000009\n"
		TASK_STATE("0x00000028", "0")
		"main: [0x800000]=0x4e49414d\n"
		"task B descriptor type=0x00000009\n"
		"  ldtr=0x00000000\n"
		"#GP error=0x00000028\n"
		"#GP error=0x00000028\n"
		"#GP error=0x00000028\n"
		"#NP error=0x00000070\n"
		"#GP error=0x00000030\n"
		"#TS task: error=0x00000048\n"
		TASK_STATE("0x00000058", "1")
		"  link=0x00000028\n"
		TASK_STATE("0x00000028", "0")
		"#TS task: error=0x00000018\n"
		TASK_STATE("0x00000058", "1")
		"  link=0x00000060\n"
		"bad task descriptor type=0x0000000b\n"
		TASK_STATE("0x00000028", "0")
		"bad task descriptor type=0x00000009\n"
		"#DF task: error=0x00000000\n"
		TASK_STATE("0x00000050", "1")
		"  link=0x00000028\n"
		"  saved eip - df_insn=0x00000000\n"
		"  main descriptor type=0x0000000b\n"
		TASK_STATE("0x00000028", "0")
		"#DF task descriptor type=0x00000009\n"
		"task: done\n",
	  "cpu_task: call/iret, task gates in the GDT and IDT, jmp to ring 3 with LDT and CR3, busy #GP, #NP, #TS, #DF",
	  task_eip_unset, task_eip_first },
	{ "x86-v86", "cpu_v86.elf", NULL, 0,
		"v86: start\n"
		"task A: eax=0x000000a1\n"
		"  esp=0x00107000\n"
		"  fs=0x00000000\n"
		"  tr=0x00000030\n"
		"  link=0x00000028\n"
		"  eflags.nt=0x00000001\n"
		"main after iret: esi=0x11111111\n"
		"A's saved ip=0x0000007f\n"
		"A's saved flags=0x00000006\n"
		"A's saved bx=0x0000abcd\n"
		"A's descriptor type=0x00000001\n"
		"task A: eax=0x3100000a\n"
		"  esp=0x00107000\n"
		"  fs=0x00000000\n"
		"  tr=0x00000030\n"
		"  link=0x00000028\n"
		"  eflags.nt=0x00000001\n"
		"task A: eax=0x3100000a\n"
		"  esp=0x00107000\n"
		"  fs=0x00000000\n"
		"  tr=0x00000030\n"
		"  link=0x00000028\n"
		"  eflags.nt=0x00000000\n"
		"A's descriptor type=0x00000001\n"
		"main's descriptor type=0x0000000b\n"
		"#TS error=0x00000058\n"
		"task C (#NP): error=0x00000068\n"
		"  sp=0x00006800\n"
		"  link=0x00000028\n"
		"C's descriptor type=0x00000001\n"
		"main back from the v86 task: tr=0x00000028\n"
		"  link=0x00000048\n"
		"  v86 task's saved eflags=0x00023002\n"
		"  saved eip=0x000000da\n"
		"  saved cs=0x00000800\n"
		"  v86 task's descriptor type=0x0000000b\n"
		"v86\n"
		"#GP error=0x00000000\n"
		"  ip=0x0000004e\n"
		"#PF error=0x00000005\n"
		"  cr2=0x0000b000\n"
		"#GP error=0x00000000\n"
		"  ip=0x00000065\n"
		"#GP error=0x00000000\n"
		"  ip=0x0000006c\n"
		"#GP error=0x00000000\n"
		"  ip=0x00000073\n"
		"#GP error=0x00000000\n"
		"  ip=0x0000007b\n"
		"into: ip=0x00000081\n"
		"int3: ip=0x00000082\n"
		"  eflags=0x00020892\n"
		"#GP error=0x00000050\n"
		"  ip=0x00000090\n"
		"#GP error=0x00000018\n"
		"  ip=0x00000098\n"
		"int 0x30: ds=0x00000000\n"
		"  es=0x00000000\n"
		"  fs=0x00000000\n"
		"  gs=0x00000000\n"
		"  frame eip=0x000000ae\n"
		"  frame cs=0x00000800\n"
		"  frame eflags=0x00023892\n"
		"  frame esp=0x00000fe0\n"
		"  frame ss=0x00000900\n"
		"  frame es=0x00000801\n"
		"  frame ds=0x00000800\n"
		"  frame fs=0x00000802\n"
		"  frame gs=0x00000803\n"
		"sysenter from v86: eflags=0x00003892\n"
		"0x810:0 read as 0x800:0x100=0x00005aa5\n"
		"di after rep movsb=0x0000069c\n"
		"addr32 data32 store, low=0x00005678\n"
		"  high=0x00001234\n"
		"cs in the far callee=0x000007ff\n"
		"pushf at iopl 3=0x00003892\n"
		"es after iret to v86=0x00000801\n"
		"fs after iret to v86=0x00000802\n"
		"sp after iret to v86=0x00000fe0\n"
		"after a real-mode iret=0x00001ee7\n"
		"v86 task: cs=0x00000800\n"
		"  flags=0x00003002\n"
		"copied by rep movsb in v86\n"
		"v86: done\n",
	  "cpu_v86: a 286 TSS by call, task gates and jmp; virtual-8086 mode by task switch and iret, paging, faults, int n frame, I/O bitmap",
	  NULL, NULL },
	{ "x86-gate64", "cpu_gate64.elf", NULL, 0,
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
	  "cpu_gate64: ring 3 to ring 0 and back with lretq, jmp through a gate, #GP(sel)", NULL, NULL },
	{ "x86-modes", "cpu_modes.elf", NULL, 0,
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
	  "cpu_modes: real mode, 16-bit PM with prefixes, 32-bit PM, 64-bit and compatibility mode, and back", NULL, NULL },
	/* the SDM's and KVM's answers: QEMU's TCG lets bad MSR writes and clflush addresses pass */
	{ "x86-insn64", "cpu_insn64.elf", NULL, 0,
		"insn64: start\n"
		"vendor GenuineIntel family 6 model 0x00000055 clflush 1 monitor 0 invpcid 1 hypervisor KVMKVMKVM\n"
		"vmcall VAPIC_POLL_IRQ: 0x0000000000000000\n"
		"vmcall KICK_CPU (not advertised): 0xfffffffffffffc18\n"
		"vmcall 0x1234: 0xfffffffffffffc18\n"
		"vmmcall VAPIC_POLL_IRQ: 0x0000000000000000\n"
		"vmcall from ring 3: 0xffffffffffffffff\n"
		"invpcid 0: 0x000000000000bbbb\n"
		"invpcid 1: 0x000000000000aaaa\n"
		"invpcid 2: 0x000000000000bbbb\n"
		"invpcid 3: 0x000000000000aaaa\n"
		"invpcid type 4: vector=13 error=0x00000000\n"
		"invpcid pcid 1: vector=13 error=0x00000000\n"
		"invpcid non-canonical: vector=13 error=0x00000000\n"
		"invlpg non-canonical: ok\n"
		"xgetbv: vector=6 error=0x00000000\n"
		"xsetbv: vector=6 error=0x00000000\n"
		"rdpru: vector=6 error=0x00000000\n"
		"monitor: vector=6 error=0x00000000\n"
		"mwait: vector=6 error=0x00000000\n"
		"rdpmc 0: vector=13 error=0x00000000\n"
		"rdpmc fixed 0: vector=13 error=0x00000000\n"
		"rdpmc from ring 3: vector=13 error=0x00000000\n"
		"clflush: ok\n"
		"clflushopt: ok\n"
		"clwb: ok\n"
		"clflush non-canonical: vector=13 error=0x00000000\n"
		"clflush unmapped: vector=14 error=0x00000000\n"
		"lfence mfence sfence: ok\n"
		"lock add to memory: ok\n"
		"lock add to a register: vector=6 error=0x00000000\n"
		"lock cmp: vector=6 error=0x00000000\n"
		"lock nop: vector=6 error=0x00000000\n"
		"fninit with CR0.EM: vector=7 error=0x00000000\n"
		"wbinvd: ok\n"
		"wbinvd from ring 3: vector=13 error=0x00000000\n"
		"PAT 0x0007040600070406\n"
		"PAT type 2: vector=13 error=0x00000000\n"
		"MTRRcap 0x0000000000000508\n"
		"MTRRdefType 0x0000000000000c06\n"
		"MTRRdefType type 2: vector=13 error=0x00000000\n"
		"MTRRdefType bit 12: vector=13 error=0x00000000\n"
		"MTRRfix64K 0x0606060606060606\n"
		"MTRRfix4K_F8000 0x0504010006060606\n"
		"MTRRfix16K type 7: vector=13 error=0x00000000\n"
		"MTRRphysBase7 0x0000000080000006\n"
		"MTRRphysMask7 0x0000000ff8000800\n"
		"MTRRphysMask0 bit 63: vector=13 error=0x00000000\n"
		"MTRRphysBase8: vector=13 error=0x00000000\n"
		"MCG_CAP 0x0000000000000000\n"
		"MCG_STATUS 0x0000000000000000\n"
		"MCG_STATUS bit 3: vector=13 error=0x00000000\n"
		"PLATFORM_ID 0x0000000000000000\n"
		"ARCH_CAPABILITIES 0x0000000000000171\n"
		"SPEC_CTRL (not advertised): vector=13 error=0x00000000\n"
		"MISC_ENABLE 0x0000000000000001\n"
		"MSR 0x12345: vector=13 error=0x00000000\n"
		"lgdt 64-bit base: 0xffff800012345000\n"
		"lidt with 66: 0xffff800012345000\n"
		"ud2: vector=6 error=0x00000000\n"
		"  frame rflags.RF 0x0000000000000001\n"
		"non-canonical read: vector=13 error=0x00000000\n"
		"  frame rflags.RF 0x0000000000000001\n"
		"icebp: vector=1 after it rflags.RF 0x0000000000000000\n"
		"int3: vector=3 after it rflags.RF 0x0000000000000000\n"
		"syscall with TF: 1 in the kernel, 1 #DB right after sysret dr6.BS 0x0000000000000001\n"
		"insn64: done\n",
	  "cpu_insn64: vendor, KVM hypercalls, invpcid, #UD/#GP as cpuid says, MSRs, lgdt, RF, TF after sysret",
	  NULL, NULL },
	{ "x86-seg", "cpu_seg.elf", NULL, 0,
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
	  "cpu_seg: limits, expand-down, read-only and execute-only segments, null DS, #SS(0)", NULL, NULL },
};

static void run_case(const struct guest_case *t)
{
	char path[256], args[256];
	struct vm *vm = new_vm(t->name);

	snprintf(path, sizeof(path), DIR "%s", t->image);
	snprintf(args, sizeof(args), "cmdline=%s", t->cmdline ? t->cmdline : "");
	load(vm, path, t->cmdline ? args : NULL);
	if (t->before)
		t->before(vm);
	CHECK(exited(run(vm), t->exit), "%s exits with code %llu", t->image, (unsigned long long)t->exit);
	CHECK_STR(console(vm), t->console, "%s", t->what);
	if (t->after)
		t->after(vm);
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

	/* "console IMAGE": what that guest must print, for cpu.bats to compare the console file with */
	if (argc == 3 && !strcmp(argv[1], "console")) {
		for (size_t i = 0; i < sizeof(guest_cases) / sizeof(guest_cases[0]); i++)
			if (!strcmp(guest_cases[i].image, argv[2]))
				return fputs(guest_cases[i].console, stdout) == EOF;
		return 1;
	}

	cpuid_model();
	msrs();
	for (size_t i = 0; i < sizeof(guest_cases) / sizeof(guest_cases[0]); i++)
		run_case(&guest_cases[i]);
	debug_regs();
	compute(DIR "cpu_compute64.elf", 1, 0);
	compute(DIR "compute.elf", rounds, 0);
	compute(DIR "cpu_compute64.elf", rounds, 0);
	compute(DIR "compute.elf", rounds, 1);
	return check_done();
}
