/*
 * Page-table edits in place: remap a page (PTE write + invlpg) and read the
 * new frame; clear a PTE and take the #PF; point a directory entry at
 * another table; edit a PTE through a virtual mapping of its own page
 * table.  Exit code: the number of checks that failed.
 */
#include "pg.h"

#define VA 0x40000000u
#define FA 0x00500000u
#define FB 0x00501000u
#define PTVA 0x40800000u	/* where the guest maps the page table of VA */

static int failed;

static void check(const char *what, int ok)
{
	if (!ok) {
		failed++;
		ser_puts("FAIL ");
		ser_puts(what);
		ser_puts("\n");
	}
}

static uint32_t rd(uint32_t va)
{
	return *(volatile uint32_t *)va;
}

int main(void)
{
	pte_t *pte, *pde, old;

	*(volatile uint32_t *)FA = 0xaaaa;
	*(volatile uint32_t *)FB = 0xbbbb;
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
	ser_puts("pg_remap: ");
	put_dec(failed);
	ser_puts(" failed\n");
	return failed;
}
