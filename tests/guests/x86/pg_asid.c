/*
 * Address spaces that share a page table, as processes share the kernel's
 * half: what one space changes in the shared table must be what every
 * other space sees after its next CR3 write, however long ago it last ran
 * and however much changed meanwhile, for reads, writes and CPL 3.  (A
 * TLB that keeps entries per address space across CR3 writes must still
 * drop the ones the edits made stale.)  Exit code: checks that failed.
 */
#include "pg.h"

#define NSPACE 24
#define VA 0x40000000u		/* NPAGE pages through the shared table */
#define NPAGE 64
#define FRAMES 0x00500000u
#define NFRAME 128

static uint32_t space[NSPACE];
static unsigned now[NPAGE];	/* the frame each shared page maps */

static uint32_t frame(unsigned k)
{
	return FRAMES + k * 4096;
}

static uint32_t tag(unsigned k)
{
	return 0x5a500000u + k;
}

static uint32_t page(unsigned i)
{
	return VA + i * 4096;
}

/* Edit a shared PTE without invlpg: only a CR3 write makes it certain. */
static void remap(unsigned i, unsigned k, pte_t flags)
{
	*pg_pte_in(space[0], page(i)) = frame(k) | P | W | flags;
	now[i] = k;
}

/* Every space, after its CR3 write, reads what the shared table maps now. */
static unsigned sweep(void)
{
	unsigned bad = 0;

	for (unsigned s = 0; s < NSPACE; s++) {
		pg_set_cr3(space[s]);
		for (unsigned i = 0; i < NPAGE; i++)
			bad += rd(page(i)) != tag(now[i]);
	}
	return bad;
}

int main(void)
{
	unsigned bad;

	for (unsigned k = 0; k < NFRAME; k++)
		*(volatile uint32_t *)frame(k) = tag(k);
	pg_init();
	space[0] = pg_cr3();
	for (unsigned i = 0; i < NPAGE; i++)
		remap(i, i, 0);
	for (unsigned s = 1; s < NSPACE; s++) {
		space[s] = pg_new_space();
		*pg_pde_in(space[s], VA) = *pg_pde_in(space[0], VA);
	}
	pg_reload();
	check("every space reads the first mappings", !sweep());

	/* one edit, made in the last space, then every space */
	remap(3, 100, 0);
	check("one edit is seen by every space", !sweep());

	/* more edits than a space could be told of one by one */
	for (unsigned i = 0; i < NPAGE; i++)
		remap(i, (i * 5 + 7) % NFRAME, 0);
	check("all edits are seen by every space", !sweep());

	/* round robin: each space edits one page before the next space runs */
	bad = 0;
	for (unsigned r = 0; r < 4; r++)
		for (unsigned s = 0; s < NSPACE; s++) {
			unsigned i = (r * NSPACE + s) % NPAGE;

			pg_set_cr3(space[s]);
			for (unsigned j = 0; j < NPAGE; j++)
				bad += rd(page(j)) != tag(now[j]);
			remap(i, (now[i] + 1 + s) % NFRAME, 0);
		}
	check("edits between switches are seen by the next space", !bad);

	/* write access taken away by another space: the write faults (CR0.WP) */
	cr0_set(cr0_get() | CR0_WP);
	pg_set_cr3(space[1]);
	check("the shared page is writable", !probe(WR, page(5) + 8));
	pg_set_cr3(space[2]);
	remap(5, now[5], 0);
	*pg_pte_in(space[0], page(5)) &= ~(pte_t)W;
	invlpg(page(5));
	pg_set_cr3(space[1]);
	check("write access taken away in another space faults", probe(WR, page(5) + 8) && pf_err == (P | W));
	check("and the page still reads", rd(page(5)) == tag(now[5]));
	cr0_set(cr0_get() & ~CR0_WP);

	/* user access taken away by another space: CPL 3 faults, CPL 0 reads */
	remap(6, now[6], U);
	*pg_pde_in(space[0], VA) |= U;
	for (unsigned s = 1; s < NSPACE; s++)
		*pg_pde_in(space[s], VA) |= U;
	pg_set_cr3(space[1]);
	check("CPL 3 reads the user page", !probe_user(RD, page(6), 0));
	pg_set_cr3(space[2]);
	remap(6, now[6], 0);
	invlpg(page(6));
	pg_set_cr3(space[1]);
	check("user access taken away in another space faults at CPL 3",
	      probe_user(RD, page(6), 0) && pf_err == (P | U));
	check("and CPL 0 still reads", rd(page(6)) == tag(now[6]));

	ser_puts("pg_asid: ");
	put_dec(failures);
	ser_puts(" failed\n");
	return failures;
}
