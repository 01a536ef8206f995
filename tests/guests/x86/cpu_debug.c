/*
 * Debug registers and single-step, seen by a 32-bit guest through its own
 * #DB handler: an execute breakpoint (a fault: eip on the instruction, the
 * handler sets RF to go on), write and read/write watchpoints of 1, 2, 4
 * and 8 bytes (traps: eip after the access), a watchpoint inside rep movsb
 * (the trap comes after the element, eip still on the rep), and TF
 * single-stepping (DR6.BS, a trap after every instruction TF was set for).
 *
 * Before touching any debug register it writes gd_counter and calls
 * gd_target, so that userspace can put its own breakpoints there with
 * `debug on` (tests/cpu.bats).  Every line it prints is compared with QEMU.
 */
#include "lib.h"

/* What the interrupt entry pushes (pushal) below the CPU's frame. */
struct frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t eip, cs, eflags;
};

static struct gate idt[32];
static volatile uint32_t hits, last_dr6, last_eip, last_ecx;
volatile uint32_t gd_counter;
static volatile uint32_t w32;
static volatile uint16_t w16[2];
static volatile uint8_t w8[4];
static volatile uint64_t w64 __attribute__((aligned(8)));
static volatile uint8_t src[16], dst[16];

extern void isr_db(void), isr_other(void);
extern char bp_target[], after_w32[], after_r16[], after_w8[], after_w64[], rep_insn[];

__asm__(".text\n"
	"isr_db: pushal\n cld\n push %esp\n call db_handler\n add $4, %esp\n popal\n iret\n"
	"isr_other: push $0x7f\n call guest_exit\n"
	/* a function whose first instruction is the execute breakpoint */
	".globl bp_target, gd_target\n"
	"gd_target:\n"
	"bp_target: mov $0x1234, %eax\n ret\n");

void gd_target(void);

void db_handler(struct frame *f)
{
	uint32_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	hits++;
	last_dr6 = dr6;
	last_eip = f->eip;
	last_ecx = f->ecx;
	/* the handler clears DR6: the CPU only ever sets its bits */
	__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0u));
	if ((dr6 & 0xf) && f->eip == (uint32_t)bp_target)
		f->eflags |= 0x10000;	/* RF: run the instruction once without its breakpoint */
}

static void set_dr(int n, uint32_t a)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(a)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(a)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(a)); break;
	default: __asm__ volatile("mov %0, %%dr3" : : "r"(a)); break;
	}
}

static void set_dr7(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr7" : : "r"(v));
}

/* DR7 for breakpoint n: locally enabled, rw 0 exec / 1 write / 3 read-write, len in bytes. */
static uint32_t dr7_bp(int n, unsigned rw, unsigned len)
{
	unsigned lf = len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;

	return (1u << (2 * n)) | (rw << (16 + 4 * n)) | (lf << (18 + 4 * n));
}

static void report(const char *what, uint32_t expect_eip)
{
	ser_puts(what);
	ser_puts(": hits=");
	put_dec(hits);
	ser_puts(" dr6=");
	put_hex(last_dr6 & 0x400f);
	ser_puts(last_eip == expect_eip ? " eip ok\n" : " eip WRONG\n");
	hits = 0;
	last_eip = 0;
	last_dr6 = 0;
}

static void exec_breakpoint(void)
{
	uint32_t r;

	set_dr(0, (uint32_t)bp_target);
	set_dr7(dr7_bp(0, 0, 1));
	gd_target();
	report("exec dr0", (uint32_t)bp_target);
	/* again: RF only covered the one instruction */
	__asm__ volatile("call bp_target" : "=a"(r) : : "memory");
	report("exec dr0 again", (uint32_t)bp_target);
	set_dr7(0);
	gd_target();
	report("exec disabled", 0);
}

static void watchpoints(void)
{
	uint32_t v;

	set_dr(1, (uint32_t)&w32);
	set_dr7(dr7_bp(1, 1, 4));
	__asm__ volatile("movl $5, %0\n after_w32:" : "=m"(w32));
	report("write dr1 len4", (uint32_t)after_w32);
	(void)w32;			/* write-only: a read does not trap */
	report("read of a write watchpoint", 0);
	set_dr(2, (uint32_t)&w16[1]);
	set_dr7(dr7_bp(2, 3, 2));
	__asm__ volatile("movw %1, %w0\n after_r16:" : "=r"(v) : "m"(w16[1]));
	report("read dr2 len2", (uint32_t)after_r16);
	w16[0] = 1;			/* the neighbour does not overlap */
	report("neighbour of dr2", 0);
	set_dr(3, (uint32_t)&w8[2]);
	set_dr7(dr7_bp(3, 1, 1));
	__asm__ volatile("movl $0x01020304, (%0)\n after_w8:" : : "r"(w8) : "memory");
	report("dword over dr3 len1", (uint32_t)after_w8);
	set_dr(0, (uint32_t)&w64);
	set_dr7(dr7_bp(0, 3, 8));
	/* the upper half of the eight bytes */
	__asm__ volatile("movl $7, 4(%0)\n after_w64:" : : "r"(&w64) : "memory");
	report("dr0 len8", (uint32_t)after_w64);
	set_dr(1, (uint32_t)&dst[5]);
	set_dr7(dr7_bp(1, 1, 1));
	{
		uint32_t c = 16, s = (uint32_t)src, d = (uint32_t)dst;

		__asm__ volatile("rep_insn: rep movsb" : "+c"(c), "+S"(s), "+D"(d) : : "memory");
	}
	report("rep movsb over dr1", (uint32_t)rep_insn);
	ser_puts("rep stopped with ecx=");
	put_dec(last_ecx);
	ser_puts("\n");
	set_dr7(0);
}

static void single_step(void)
{
	__asm__ volatile("pushf\n orl $0x100, (%%esp)\n popf\n"
			 "nop\n nop\n nop\n"
			 "pushf\n andl $~0x100, (%%esp)\n popf\n" : : : "memory", "cc");
	ser_puts("tf: traps=");
	put_dec(hits);
	ser_puts(" dr6=");
	put_hex(last_dr6 & 0x400f);
	ser_puts("\n");
	hits = 0;
}

int main(void)
{
	gd_counter += 1;
	gd_target();
	for (int v = 0; v < 32; v++)
		gate_set(idt, v, isr_other, 0);
	gate_set(idt, 1, isr_db, 0);
	idt_load(idt, sizeof(idt) / sizeof(idt[0]));
	ser_puts("debug: start\n");
	exec_breakpoint();
	watchpoints();
	single_step();
	ser_puts("debug: done\n");
	return 0;
}
