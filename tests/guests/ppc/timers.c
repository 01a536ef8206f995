/*
 * The 440's fixed-interval and watchdog timers, on the time base:
 * three FIT interrupts (TCR[FIE], period TB bit 12), two watchdog
 * interrupts (TCR[WIE], critical class, each after the second unanswered
 * period: TSR[ENW] then TSR[WIS]), then the watchdog's reset action
 * (TCR[WRC] = 1, a core reset) which nobody answers: the run ends with
 * a reset whose code is 1, where guest_exit's DBCR0 reset has code 3.
 */
#include "lib.h"

#define TCR_WRC_CORE 0x10000000u
#define TCR_WIE 0x08000000u
#define TCR_FIE 0x00800000u
#define TSR_ENW 0x80000000u
#define TSR_WIS 0x40000000u
#define TSR_FIS 0x04000000u

static volatile uint32_t fit_count, wdt_count, wdt_tsr;

void int_handler(unsigned vec, struct frame *f)
{
	(void)f;
	switch (vec) {
	case 11:
		fit_count++;
		mtspr(SPR_TSR, TSR_FIS);		/* write one to clear */
		if (fit_count == 3)
			mtspr(SPR_TCR, 0);
		return;
	case 12:
		wdt_count++;
		wdt_tsr = mfspr(SPR_TSR) & (TSR_ENW | TSR_WIS);
		mtspr(SPR_TSR, TSR_ENW | TSR_WIS);	/* answered: the period starts over */
		if (wdt_count == 2)
			mtspr(SPR_TCR, 0);
		return;
	}
	show("unexpected interrupt", vec);
	guest_exit();
}

int main(void)
{
	puts("timers\n");
	mtspr(SPR_TCR, TCR_FIE);			/* FP = 0: TB bit 12, every 8192 ticks */
	mtmsr(mfmsr() | MSR_EE);
	while (fit_count < 3)
		;
	mtmsr(mfmsr() & ~MSR_EE);
	show("fit interrupts", fit_count);

	mtspr(SPR_TSR, TSR_ENW | TSR_WIS);
	mtspr(SPR_TCR, TCR_WIE);			/* WP = 0: TB bit 20, 2^21 ticks */
	mtmsr(mfmsr() | MSR_CE);
	while (wdt_count < 2)
		;
	mtmsr(mfmsr() & ~MSR_CE);
	show("watchdog interrupts", wdt_count);
	show("tsr enw|wis at the interrupt", wdt_tsr);

	mtspr(SPR_TSR, TSR_ENW | TSR_WIS);
	mtspr(SPR_TCR, TCR_WRC_CORE);
	puts("waiting for the watchdog reset\n");
	for (;;)
		;
}
