/*
 * A guest for machine resets and command lines on the 440.  It prints
 * /chosen/bootargs from the device tree the loader passed in r3, between
 * brackets and byte for byte, and a boot number kept in its data (1 as
 * loaded), then spoils what a second boot would need if the image were
 * not placed again: the boot number and its own first words (the entry at
 * 0).  With `wdt` in its command line it arms the watchdog's core reset
 * (TCR[WRC]) and waits with MSR[WE] (and MSR[EE] with `ee`), where only
 * the watchdog can end the wait; otherwise it returns (a DBCR0 reset).
 */
#include "lib.h"

#define TCR_WRC_CORE 0x10000000u
#define FDT_MAGIC 0xd00dfeedu
enum { FDT_BEGIN_NODE = 1, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 9 };

static volatile uint32_t boot = 1;
extern uint32_t _start[];	/* crt0's entry, at 0 */

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint32_t strsize(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n + 1;
}

/* The value of /chosen/bootargs, or NULL. */
static const char *bootargs(const uint32_t *fdt)
{
	const uint32_t *p = (const uint32_t *)((const char *)fdt + fdt[2]);
	const char *strings = (const char *)fdt + fdt[3];
	int depth = 0, chosen = 0;

	if (fdt[0] != FDT_MAGIC)
		return 0;
	for (;;) {
		switch (*p++) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)p;

			depth++;
			chosen = depth == 2 && streq(name, "chosen");
			p += (strsize(name) + 3) / 4;
			break;
		}
		case FDT_END_NODE:
			depth--;
			chosen = 0;
			break;
		case FDT_PROP: {
			uint32_t len = p[0], nameoff = p[1];

			if (chosen && streq(strings + nameoff, "bootargs"))
				return (const char *)(p + 2);
			p += 2 + (len + 3) / 4;
			break;
		}
		case FDT_NOP:
			break;
		default:
			return 0;
		}
	}
}

static int has(const char *s, const char *word)
{
	for (; *s; s++) {
		const char *a = s, *w = word;

		while (*w && *a == *w)
			a++, w++;
		if (!*w)
			return 1;
	}
	return 0;
}

int main(void)
{
	const char *cl = bootargs((const uint32_t *)boot_fdt);

	puts("cmdline=[");
	puts(cl ? cl : "(none)");
	puts("]\nboot ");
	putdec(boot);
	puts("\n");
	boot++;
	for (int i = 0; i < 8; i++)
		((volatile uint32_t *)_start)[i] = 0;	/* zeros are not instructions */
	if (cl && has(cl, "wdt")) {
		/* with `ee`, the wait also takes external interrupts (none come) */
		uint32_t msr = MSR_WE | (has(cl, "ee") ? MSR_EE : 0);

		mtspr(SPR_TCR, TCR_WRC_CORE);	/* WP = 0: TB bit 20, 2^21 ticks a period */
		for (;;)
			mtmsr(msr);
	}
	return 0;
}
