/*
 * BookE interrupts: system call, program (illegal, privileged in user mode,
 * trap), alignment, FP unavailable, the decrementer with auto-reload while
 * the core waits (MSR[WE]), and an external
 * interrupt from the UART through UIC0.
 */
#include "lib.h"

static volatile uint32_t dec_count, ext_count;

#define UART0 ((volatile uint8_t *)0xef600300)

void int_handler(unsigned vec, struct frame *f)
{
	if (user_return(vec, f))
		return;
	switch (vec) {
	case 8:
		show("syscall r3", f->gpr[3]);
		f->gpr[3] = f->gpr[3] * 2 + 1;
		return;
	case 6:
		show("program esr", mfspr(SPR_ESR));
		f->srr0 += 4;
		return;
	case 5:
		show("alignment dear", mfspr(SPR_DEAR));
		f->srr0 += 4;
		return;
	case 7:
		show("fp unavailable at", f->srr0);
		f->srr1 |= MSR_FP;	/* retried with the FPU on */
		return;
	case 10:
		dec_count++;
		f->srr1 &= ~MSR_WE;			/* return awake, as Linux's entry code does */
		mtspr(SPR_TSR, 0x08000000);		/* DIS, write one to clear */
		if (dec_count == 5)
			mtspr(SPR_TCR, 0);
		return;
	case 4:
		ext_count++;
		show("external uic msr", mfdcr(0xc6));
		show("uart iir", UART0[2]);		/* reading IIR acknowledges THRE */
		UART0[1] = 0;				/* IER off */
		mtdcr(0xc0, 0x80000000);		/* clear UIC0 input 0 */
		return;
	}
	show("unexpected interrupt", vec);
	guest_exit();
}

static void user_mfmsr(void)
{
	uint32_t v;

	__asm__ volatile("mfmsr %0" : "=r"(v));
	(void)v;
}

int main(void)
{
	register uint32_t r3 __asm__("r3");
	uint32_t buf[4] = { 0 };

	puts("irq\n");
	r3 = 20;
	__asm__ volatile("sc" : "+r"(r3) : : "r0", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",
			 "r12", "ctr", "lr", "cr0", "memory");
	show("after sc r3", r3);

	__asm__ volatile(".long 0" ::: "memory");		/* illegal */
	__asm__ volatile("tweq %0, %0" : : "r"(1));		/* trap */
	user_ram();
	to_user(user_mfmsr);					/* privileged in user mode */
	show("back in supervisor, msr[pr]", mfmsr() & MSR_PR);

	__asm__ volatile("lwarx %0, 0, %1" : "=r"(r3) : "r"((char *)buf + 2));	/* misaligned */

	__asm__ volatile(".long 0xc8010000" ::: "memory");	/* lfd f0, 0(r1) with MSR[FP]=0 */
	show("msr has FP", mfmsr() & MSR_FP);

	/* decrementer: auto-reload every 20000 ticks, five times, waiting in between */
	mtspr(SPR_DECAR, 20000);
	mtspr(SPR_TCR, 0x04400000);				/* DIE | ARE */
	mtspr(SPR_DEC, 20000);		/* after ARE: a slow host may reach zero before the TCR write */
	while (dec_count < 5)
		mtmsr(mfmsr() | MSR_EE | MSR_WE);
	mtmsr(mfmsr() & ~MSR_EE);
	show("decrementer interrupts", dec_count);

	/* the UART's THR-empty interrupt through UIC0 input 0 */
	mtdcr(0xc5, 0);						/* TR: level */
	mtdcr(0xc3, 0);						/* CR: not critical */
	mtdcr(0xc2, 0x80000000);				/* ER: input 0 */
	UART0[1] = 0x02;					/* IER: THRE */
	mtmsr(mfmsr() | MSR_EE);
	while (!ext_count)
		;
	mtmsr(mfmsr() & ~MSR_EE);
	show("external interrupts", ext_count);
	return 0;
}
