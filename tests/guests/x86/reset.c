/*
 * A guest for machine resets and command lines.  It prints its multiboot
 * command line between brackets, byte for byte, and a boot number kept in
 * its data (1 as loaded), then spoils what a second boot would need if the
 * image were not placed again: the boot number and its own first words
 * (the multiboot header and the entry code).  Then, by its command line:
 *   reset=cf9     bit 2 of the reset control register (port 0xcf9)
 *   reset=kbd     the keyboard controller's pulse-reset command (0xfe to 0x64)
 *   reset=triple  a triple fault (no IDT)
 *   flood=N       first N numbered lines of 64 bytes on the console
 * and otherwise returns 0 (the debug-exit port).
 */
#include "lib.h"

static volatile uint32_t boot = 1;
extern char _start[];

/* The value of KEY=N (decimal) in the command line, or -1. */
static int32_t arg(const char *cl, const char *key)
{
	for (; *cl; cl++) {
		const char *a = cl, *k = key;
		uint32_t n = 0;

		while (*k && *a == *k)
			a++, k++;
		if (*k || *a != '=')
			continue;
		if (a[1] < '0' || a[1] > '9')
			return 0;
		for (a++; *a >= '0' && *a <= '9'; a++)
			n = n * 10 + (*a - '0');
		return n;
	}
	return -1;
}

static int has(const char *cl, const char *word)
{
	for (; *cl; cl++) {
		const char *a = cl, *w = word;

		while (*w && *a == *w)
			a++, w++;
		if (!*w)
			return 1;
	}
	return 0;
}

static void flood(uint32_t lines)
{
	for (uint32_t i = 1; i <= lines; i++) {
		uint32_t d = 1000000;

		ser_puts("line ");
		for (; d; d /= 10)
			ser_putc('0' + i / d % 10);
		ser_puts(" of the console flood, 64 bytes each ..............\n");
	}
}

int main(uint32_t magic, uint32_t info)
{
	const uint32_t *mb = (const uint32_t *)info;
	const char *cl = magic == 0x2badb002 && (mb[0] & 4) ? (const char *)mb[4] : "";
	int32_t n;

	ser_puts("cmdline=[");
	ser_puts(cl);
	ser_puts("]\nboot ");
	put_dec(boot);
	ser_puts("\n");
	boot++;
	/* the header sits in .multiboot, just below the entry code */
	memset((char *)0x100000, 0xff, 16);
	memset(_start, 0xff, 16);
	if ((n = arg(cl, "flood")) > 0)
		flood(n);
	if (has(cl, "reset=cf9"))
		outb(0xcf9, 0x06);
	if (has(cl, "reset=kbd"))
		outb(0x64, 0xfe);
	if (has(cl, "reset=triple")) {
		struct {
			uint16_t limit;
			uint32_t base;
		} __attribute__((packed)) none = { 0, 0 };

		__asm__ volatile("lidt %0; int3" : : "m"(none));
	}
	ser_puts("no reset\n");
	return 0;
}
