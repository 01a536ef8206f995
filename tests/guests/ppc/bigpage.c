/*
 * One 16 MiB guest TLB entry, touched at every one of its 4096 4 KiB
 * pieces (written, then read back): the shadow TLB is filled from the
 * guest entry without the guest seeing a TLB miss.
 */
#include "lib.h"

#define BIG_EA 0x50000000u
#define BIG_PA 0x02000000u
#define PIECES 4096

int main(void)
{
	volatile uint32_t *p = (volatile uint32_t *)BIG_EA;
	uint32_t sum = 0;

	puts("bigpage\n");
	user_ram();	/* entry 0 as 256 MiB: QEMU's boot entry 0 spans 2 GiB, over BIG_EA */
	tlb_set(5, BIG_EA | TLB_V | TLB_16M, BIG_PA, 0x3 /* SW, SR */, 0);
	for (uint32_t i = 0; i < PIECES; i++)
		p[i * 1024] = i * 7;
	for (uint32_t i = 0; i < PIECES; i++)
		sum += p[i * 1024];
	show("pieces", PIECES);
	show("sum", sum);
	return 0;
}
