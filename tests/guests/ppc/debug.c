/*
 * Debug interrupts in internal debug mode (DBCR0[IDM]): instruction
 * address compare, data address compare on reads and on writes,
 * instruction complete, branch taken, trap with MSR[DE] set, and a trap
 * with MSR[DE] clear whose event waits (DBSR[IDE]) until MSR[DE] is set.
 * The handler runs in the critical class (CSRR0/1, rfci) and reports
 * DBSR and where CSRR0 points.
 */
#include "lib.h"

enum { SPR_DBSR = 304, SPR_IAC1 = 312, SPR_DAC1 = 316, SPR_DAC2 = 317 };
#define MSR_DE 0x200u
#define IDM 0x40000000u
#define ICMP 0x08000000u
#define BRT 0x04000000u
#define TRAP 0x01000000u
#define IAC1 0x00800000u
#define DAC1R 0x00080000u
#define DAC2W 0x00010000u

/* What the debug handler does after reporting. */
static enum { OFF, STEP, SKIP } mode;
static volatile uint32_t events, dbsr_seen, csrr0_seen, step_first;
static volatile uint32_t watched = 0x1234, other;

extern char icmp_start[], icmp_end[], brt_branch[], brt_target[], trap_de[];

__attribute__((noinline)) static uint32_t iac_target(uint32_t x)
{
	return x * 3 + 1;
}

void int_handler(unsigned vec, struct frame *f)
{
	if (vec == 6) {
		show("program esr", mfspr(SPR_ESR));
		show("  dbsr", mfspr(SPR_DBSR));
		f->srr0 += 4;
		return;
	}
	if (vec != 15) {
		show("unexpected interrupt", vec);
		guest_exit();
	}
	dbsr_seen = mfspr(SPR_DBSR);
	csrr0_seen = f->srr0;
	mtspr(SPR_DBSR, dbsr_seen);		/* write one to clear */
	if (!events++)
		step_first = f->srr0;
	if (mode == OFF)
		mtspr(SPR_DBCR0, 0);
	if (mode == SKIP)
		f->srr0 += 4;
}

static void arm(uint32_t dbcr0, int m)
{
	events = 0;
	mode = m;
	mtspr(SPR_DBCR0, dbcr0);
}

int main(void)
{
	register uint32_t r3 __asm__("r3");
	uint32_t v;

	puts("debug\n");
	mtmsr(mfmsr() | MSR_DE);

	mtspr(SPR_IAC1, (uint32_t)iac_target);
	arm(IDM | IAC1, OFF);
	v = iac_target(4);
	show("iac result", v);
	show("  events", events);
	show("  dbsr", dbsr_seen);
	show("  csrr0 at the function", csrr0_seen == (uint32_t)iac_target);

	mtspr(SPR_DAC1, (uint32_t)&watched);
	arm(IDM | DAC1R, OFF);
	other = 7;
	watched = 0x5678;			/* a write: DAC1R does not see it */
	show("dac read: events after a write", events);
	v = watched;
	show("dac read result", v);
	show("  events", events);
	show("  dbsr", dbsr_seen);

	mtspr(SPR_DAC2, (uint32_t)&watched + 2);	/* any byte of the access matches */
	arm(IDM | DAC2W, OFF);
	v = watched;				/* a read: DAC2W does not see it */
	show("dac write: events after a read", events);
	watched = 0x9abc;
	show("dac write result", watched);
	show("  events", events);
	show("  dbsr", dbsr_seen);

	/* instruction complete: every instruction from the one after the enabling mtspr */
	mode = STEP;
	events = 0;
	r3 = 0;
	__asm__ volatile("mtspr 308, %1\n"
			 "icmp_start:\n\t"
			 "addi %0, %0, 1\n\t"
			 "addi %0, %0, 1\n\t"
			 "addi %0, %0, 1\n\t"
			 "addi %0, %0, 1\n\t"
			 "li 0, 0\n\t"
			 "mtspr 308, 0\n"
			 "icmp_end:"
			 : "+r"(r3) : "r"(IDM | ICMP) : "r0", "memory");
	show("icmp r3", r3);
	show("  events", events);
	show("  dbsr", dbsr_seen);
	show("  first csrr0 after the first addi", step_first == (uint32_t)icmp_start + 4);
	show("  last csrr0 at the disabling mtspr", csrr0_seen == (uint32_t)icmp_end - 4);

	/* branch taken: a branch not taken is no event; the taken one is, before it executes */
	arm(IDM | BRT, OFF);
	r3 = 1;
	__asm__ volatile("cmpwi %0, 0\n\t"
			 "beq 1f\n\t"			/* not taken */
			 "addi %0, %0, 1\n"
			 "brt_branch:\n\t"
			 "b brt_target\n\t"
			 "li %0, 0\n"
			 "brt_target:\n"
			 "1:"
			 : "+r"(r3) : : "cr0");
	show("brt r3", r3);
	show("  events", events);
	show("  dbsr", dbsr_seen);
	show("  csrr0 at the branch", csrr0_seen == (uint32_t)brt_branch);

	/* trap with MSR[DE]: a debug interrupt instead of the program interrupt */
	arm(IDM | TRAP, SKIP);
	__asm__ volatile("trap_de: tweq %0, %0" : : "r"(1));
	show("trap events", events);
	show("  dbsr", dbsr_seen);
	show("  csrr0 at the trap", csrr0_seen == (uint32_t)trap_de);

	/* with MSR[DE] clear: the program interrupt, and the event waits for MSR[DE] */
	mtmsr(mfmsr() & ~MSR_DE);
	arm(IDM | TRAP, OFF);
	__asm__ volatile("tweq %0, %0" : : "r"(1));
	show("trap without DE, debug events", events);
	mtmsr(mfmsr() | MSR_DE);
	show("after setting DE, events", events);
	show("  dbsr", dbsr_seen);
	show("dbsr now", mfspr(SPR_DBSR));
	return 0;
}
