/*
 * Dirty logging under paging: virtual pages 0..7 at 0x40000000 map frames
 * 0x400, 0x403, ... 0x415 with A and D already set.  After a stop (port
 * 0x510) the guest writes virtual pages 0, 2 and 5 only (frames 0x400,
 * 0x406, 0x40f), stops again, and exits.
 */
#include "pg.h"

#define VA 0x40000000u

int main(void)
{
	pg_init();
	for (uint32_t k = 0; k < 8; k++)
		*pg_pte(VA + k * 4096) = ((0x400 + 3 * k) << 12) | P | W | A | D;
	pg_reload();
	for (uint32_t k = 0; k < 8; k++)
		(void)*(volatile uint32_t *)(VA + k * 4096);
	outb(0x510, 1);
	*(volatile uint32_t *)(VA + 0 * 4096) = 1;
	*(volatile uint32_t *)(VA + 2 * 4096) = 2;
	*(volatile uint32_t *)(VA + 5 * 4096 + 8) = 5;
	outb(0x510, 2);
	return 0;
}
