/*
 * An external interrupt raised from outside: UIC0 input 5 is enabled,
 * the guest spins until `irq 5 1` on the VM's ctl reaches it through the
 * UIC and the CPU's external input, then reports and resets.
 */
#include "lib.h"

static volatile uint32_t taken, uic_msr;

void int_handler(unsigned vec, struct frame *f)
{
	(void)f;
	if (vec != 4) {
		show("unexpected interrupt", vec);
		guest_exit();
	}
	uic_msr = mfdcr(0xc6);
	mtdcr(0xc2, 0);		/* ER: the line stays high until userspace lowers it */
	taken++;
}

int main(void)
{
	mtdcr(0xc5, 0);			/* TR: level */
	mtdcr(0xc3, 0);			/* CR: not critical */
	mtdcr(0xc0, 0xffffffff);	/* SR: clear */
	mtdcr(0xc2, 0x80000000u >> 5);	/* ER: input 5 */
	puts("waiting for input 5\n");
	mtmsr(mfmsr() | MSR_EE);
	while (!taken)
		;
	show("external interrupt, uic msr", uic_msr);
	guest_exit();
}
