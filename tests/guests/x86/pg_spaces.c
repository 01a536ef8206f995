/*
 * 64 address spaces sharing the kernel's identity map, each with a private
 * page at the same address, switched by CR3 round after round as a
 * scheduler would.  Each space must see its own page.  Exit code: mismatches.
 */
#include "pg.h"

#define NSPACE 64
#define ROUNDS 50
#define VA 0x40000000u
#define FRAMES 0x00600000u

static uint32_t space[NSPACE];

int main(void)
{
	int bad = 0;

	for (int p = 0; p < NSPACE; p++)
		*(volatile uint32_t *)(FRAMES + p * 4096) = p;
	pg_init();
	for (int p = 0; p < NSPACE; p++) {
		space[p] = pg_new_space();
		*pg_pte_in(space[p], VA) = (FRAMES + p * 4096) | P | W;
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int p = 0; p < NSPACE; p++) {
			pg_set_cr3(space[p]);
			if (*(volatile uint32_t *)VA != (uint32_t)(p + r * NSPACE))
				bad++;
			*(volatile uint32_t *)VA += NSPACE;
		}
	ser_puts("pg_spaces: ");
	put_dec(bad);
	ser_puts(" mismatches\n");
	return bad;
}
