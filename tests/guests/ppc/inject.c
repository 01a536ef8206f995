/*
 * Interrupts injected from outside through the `events` file: the guest
 * enables external, critical and machine check interrupts, says "ready",
 * and reports each one its handler takes, in the order they come.
 */
#include "lib.h"

enum { SPR_MCSR = 572 };

static volatile uint32_t taken[3], mcsr;

void int_handler(unsigned vec, struct frame *f)
{
	(void)f;
	switch (vec) {
	case 4:
		taken[0]++;
		return;
	case 0:
		taken[1]++;
		return;
	case 1:
		mcsr = mfspr(SPR_MCSR);
		mtspr(SPR_MCSR, mcsr);		/* write one to clear */
		taken[2]++;
		return;
	}
	show("unexpected interrupt", vec);
	guest_exit();
}

int main(void)
{
	mtmsr(mfmsr() | MSR_EE | MSR_CE | MSR_ME);
	puts("ready\n");
	while (!taken[0])
		;
	show("external interrupts", taken[0]);
	while (!taken[1])
		;
	show("critical interrupts", taken[1]);
	while (!taken[2])
		;
	show("machine checks", taken[2]);
	show("  mcsr", mcsr);
	return 0;
}
