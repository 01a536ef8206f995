/*
 * Page-table edits in place: remap a page (PTE write + invlpg) and read the
 * new frame; clear a PTE and take the #PF; point a directory entry at
 * another table; edit a PTE through a virtual mapping of its own page
 * table; remap the page that an instruction spills onto and run it again.
 * Exit code: the number of checks that failed.
 */
#include "pg.h"

#define VA 0x40000000u
#define FA 0x00500000u
#define FB 0x00501000u
#define PTVA 0x40800000u	/* where the guest maps the page table of VA */
#define VC 0x40400000u		/* code page; its last instruction spills onto VC + 4K */
#define FC 0x00502000u
#define FD1 0x00503000u		/* the two frames VC + 4K is mapped to in turn */
#define FD2 0x00504000u

/* mov $0xHHHH1234, %eax; ret -- with HHHH and the ret on the second page */
static void put_spilling_code(void)
{
	static const uint8_t head[3] = { 0xb8, 0x34, 0x12 }, t1[3] = { 0x11, 0x11, 0xc3 },
			     t2[3] = { 0x22, 0x22, 0xc3 };

	for (int i = 0; i < 3; i++) {
		((volatile uint8_t *)FC)[4093 + i] = head[i];
		((volatile uint8_t *)FD1)[i] = t1[i];
		((volatile uint8_t *)FD2)[i] = t2[i];
	}
}

static uint32_t run_spilling_code(void)
{
	uint32_t (*f)(void) = (uint32_t (*)(void))(VC + 4093);

	return f();
}

int main(void)
{
	pte_t *pte, *pde, old;

	*(volatile uint32_t *)FA = 0xaaaa;
	*(volatile uint32_t *)FB = 0xbbbb;
	put_spilling_code();
	pg_init();
	pte = pg_pte(VA);
	*pte = FA | P | W;
	pg_reload();
	check("read through the first mapping", rd(VA) == 0xaaaa);
	*pte = FB | P | W;
	invlpg(VA);
	check("remapped page reads the new frame", rd(VA) == 0xbbbb);
	*pte = 0;
	invlpg(VA);
	check("cleared PTE faults", probe(RD, VA) && pf_err == 0 && pf_cr2 == VA);
	check("write to a cleared PTE faults with W", probe(WR, VA) && pf_err == 2);
	*pte = FA | P | W;
	invlpg(VA);
	check("restored", rd(VA) == 0xaaaa);
	/* another page table under the same directory entry */
	pde = pg_pde(VA);
	old = *pde;
	*pde = 0;
	pte = pg_pte(VA);	/* a fresh table */
	*pte = FB | P | W;
	pg_reload();
	check("directory entry moved to a new table", rd(VA) == 0xbbbb);
	*pde = old;
	pg_reload();
	check("directory entry moved back", rd(VA) == 0xaaaa);
	/* the page table of VA, mapped at PTVA, written through that mapping */
	pte = pg_pte(VA);
	*pg_pte(PTVA) = ((uint32_t)pte & 0xfffff000u) | P | W;
	pg_reload();
	((volatile pte_t *)PTVA)[(VA >> 12) & (PT_N - 1)] = FB | P | W;
	invlpg(VA);
	check("PTE written through a mapping of its table", rd(VA) == 0xbbbb);
	*(volatile uint32_t *)VA = 0xcccc;
	check("write lands in the new frame", ((volatile pte_t *)PTVA)[(VA >> 12) & (PT_N - 1)] & D);
	/* the block decoded from VC + 4093 must not outlive its second page's mapping */
	*pg_pte(VC) = FC | P | W;
	*pg_pte(VC + 4096) = FD1 | P | W;
	pg_reload();
	check("instruction spilling onto a page", run_spilling_code() == 0x11111234);
	*pg_pte(VC + 4096) = FD2 | P | W;
	invlpg(VC + 4096);
	check("instruction spilling onto a remapped page", run_spilling_code() == 0x22221234);
	ser_puts("pg_remap: ");
	put_dec(failures);
	ser_puts(" failed\n");
	return failures;
}
