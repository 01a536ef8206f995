/*
 * tlbivax, as Book E defines it: every entry mapping the address goes.
 * QEMU's 440 raises an illegal-instruction interrupt for it, so this guest's
 * .expect is written by hand rather than taken from QEMU.
 */
#include "lib.h"

static volatile uint32_t misses;

void int_handler(unsigned vec, struct frame *f)
{
	if (vec == 13) {
		misses++;
		show("dtlb miss dear", mfspr(SPR_DEAR));
		tlb_set(2, 0x40000000 | TLB_V | TLB_4K, 0x00200000, 0x3f, 0);
		return;
	}
	show("unexpected interrupt", vec);
	show("srr0", f->srr0);
	guest_exit();
}

int main(void)
{
	puts("tlbivax\n");
	*(volatile uint32_t *)0x200000 = 0x11111111;
	tlb_set(2, 0x40000000 | TLB_V | TLB_4K, 0x00200000, 0x3f, 0);
	show("mapped", *(volatile uint32_t *)0x40000000);
	__asm__ volatile("tlbivax 0, %0; isync" : : "r"(0x40000000) : "memory");
	show("after tlbivax and a miss", *(volatile uint32_t *)0x40000000);
	show("misses", misses);
	return 0;
}
