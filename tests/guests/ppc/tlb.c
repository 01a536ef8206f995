/*
 * The TLB as the guest sees it: 4 KiB and 16 MiB pages at new virtual
 * addresses, a DTLB miss handled by the guest with tlbwe, an ITLB miss,
 * tlbsx/tlbre, rewriting a large entry (its shadow descendants must
 * go), user mode with PID/TID and a write to a read-only page (DSI).
 */
#include "lib.h"

#define PHYS(a) ((volatile uint32_t *)(a))
#define VIRT(a) ((volatile uint32_t *)(a))

static volatile uint32_t misses, dsi, itlb;
static uint32_t itlb_back;

void int_handler(unsigned vec, struct frame *f)
{
	uint32_t dear = mfspr(SPR_DEAR);

	if (user_return(vec, f))
		return;
	switch (vec) {
	case 13:
		misses++;
		show("dtlb miss dear", dear);
		show("  esr", mfspr(SPR_ESR));
		if ((dear & 0xfffff000) == 0x60000000)
			tlb_set(4, 0x60000000 | TLB_V | TLB_4K, 0x00300000, 0x3f, 0);
		else
			f->srr0 += 4;		/* give up on this access */
		return;
	case 14:
		itlb++;
		show("itlb miss srr0", f->srr0);
		f->srr0 = itlb_back;
		return;
	case 2:
		dsi++;
		show("data storage dear", dear);
		show("  esr", mfspr(SPR_ESR));
		f->srr0 += 4;
		return;
	}
	show("unexpected interrupt", vec);
	show("srr0", f->srr0);
	guest_exit();
}

static int tlbsx(uint32_t ea, uint32_t *idx)
{
	uint32_t cr, i = 0xdead;

	__asm__ volatile("tlbsx. %0, 0, %2\n\tmfcr %1" : "+r"(i), "=r"(cr) : "r"(ea) : "cr0");
	*idx = i;
	return (cr >> 29) & 1;
}

static uint32_t tlbre(uint32_t idx, int ws)
{
	uint32_t v;

	switch (ws) {
	case 0: __asm__ volatile("tlbre %0, %1, 0" : "=r"(v) : "r"(idx)); break;
	case 1: __asm__ volatile("tlbre %0, %1, 1" : "=r"(v) : "r"(idx)); break;
	default: __asm__ volatile("tlbre %0, %1, 2" : "=r"(v) : "r"(idx)); break;
	}
	return v;
}

/* User mode cannot reach the UART: results wait in user_seen for main to print. */
static volatile uint32_t user_seen[2];

static void user_part(void)
{
	user_seen[0] = *VIRT(0x70000000);
	*VIRT(0x71000000) = 1;			/* read-only for user: DSI */
}

static void user_other_pid(void)
{
	user_seen[1] = *VIRT(0x70000000);	/* TID 5 does not match PID 6: miss */
}

int main(void)
{
	uint32_t idx, found;

	puts("tlb\n");
	user_ram();

	/* a 4 KiB page: 0x40000000 -> 0x200000 */
	*PHYS(0x200000) = 0x11111111;
	tlb_set(2, 0x40000000 | TLB_V | TLB_4K, 0x00200000, 0x3f, 0);
	show("4k page reads", *VIRT(0x40000000));
	*VIRT(0x40000004) = 0x22222222;
	show("4k page write lands at phys", *PHYS(0x200004));

	/* a 16 MiB page: 0x50000000 -> 0x1000000 */
	*PHYS(0x1000000) = 0xaaaa0000;
	*PHYS(0x1ffff00) = 0xaaaa0001;
	tlb_set(3, 0x50000000 | TLB_V | TLB_16M, 0x01000000, 0x3f, 0);
	show("16m page first", *VIRT(0x50000000));
	show("16m page last", *VIRT(0x50ffff00));
	/* the same entry, now onto 0x2000000: no stale shadow may remain */
	*PHYS(0x2000000) = 0xbbbb0000;
	*PHYS(0x2ffff00) = 0xbbbb0001;
	tlb_set(3, 0x50000000 | TLB_V | TLB_16M, 0x02000000, 0x3f, 0);
	show("16m page moved first", *VIRT(0x50000000));
	show("16m page moved last", *VIRT(0x50ffff00));

	found = tlbsx(0x50001234, &idx);
	show("tlbsx found", found);
	show("tlbsx index", idx);
	found = tlbsx(0x5f000000, &idx);
	show("tlbsx unmapped found", found);
	show("tlbre 3 word0", tlbre(3, 0));
	show("tlbre 3 word1", tlbre(3, 1));
	show("tlbre 3 word2", tlbre(3, 2));

	/* a miss the guest handles with tlbwe, then the access is retried */
	*PHYS(0x300008) = 0x33333333;
	show("after dtlb miss", *VIRT(0x60000008));

	/* an instruction fetch from an unmapped page */
	__asm__ volatile("lis %%r9, 2f@ha\n\t"
			 "addi %%r9, %%r9, 2f@l\n\t"
			 "stw %%r9, 0(%1)\n\t"
			 "mtctr %0\n\t"
			 "bctr\n"
			 "2:"
			 : : "r"(0x30000000), "b"(&itlb_back) : "r9", "ctr", "memory");
	show("itlb misses", itlb);

	/* user mode: a TID 5 page, a read-only page */
	*PHYS(0x400000) = 0x55555555;
	tlb_set(5, 0x70000000 | TLB_V | TLB_4K, 0x00400000, 0x1b, 5);	/* UR UW SR SW */
	tlb_set(6, 0x71000000 | TLB_V | TLB_4K, 0x00500000, 0x0b, 0);	/* UR SR SW */
	mtspr(SPR_PID, 5);
	to_user(user_part);
	mtspr(SPR_PID, 6);
	to_user(user_other_pid);
	mtspr(SPR_PID, 0);
	show("user read pid 5 page", user_seen[0]);
	show("user read with pid 6", user_seen[1]);
	show("dtlb misses", misses);
	show("data storage interrupts", dsi);
	return 0;
}
