/*
 * PTEs edited in place, as a kernel does, with the page table left
 * writable (unsync) between the edits: remaps followed by invlpg, many
 * edits followed by one CR3 reload, a cleared PTE, write access taken
 * away under CR0.WP, A and D bits cleared and set again.  Then an edit
 * whose invlpg is forgotten: the old mapping may still be seen (a TLB may
 * hold it) until the page table, reused by another address space, is
 * reached through a CR3 write; from then on only the new mapping is.
 * And a table edited while no loaded address space reaches it, then
 * linked into one by a directory write: the edit is seen at once.
 * Exit code: the number of checks that failed.
 */
#include "pg.h"

#define VA 0x40000000u
#define NPAGE 16
#define VB 0x80000000u
#define VC 0x40800000u
#define VD 0x80800000u
#define FRAMES 0x00500000u
#define NFRAME 64

static uint32_t frame(unsigned k)
{
	return FRAMES + k * 4096;
}

static uint32_t tag(unsigned k)
{
	return 0x7a900000u + k;
}

static uint32_t page(unsigned i)
{
	return VA + i * 4096;
}

int main(void)
{
	unsigned bad = 0, stale = 0;
	uint32_t s1, s2, v;
	pte_t *t, *u;

	for (unsigned k = 0; k < NFRAME; k++)
		wr(frame(k), tag(k));
	pg_init();
	for (unsigned i = 0; i < NPAGE; i++)
		*pg_pte(page(i)) = frame(i) | P | W;
	pg_reload();
	for (unsigned i = 0; i < NPAGE; i++)
		bad += rd(page(i)) != tag(i);
	check("first mappings", !bad);

	/* one page at a time: PTE write, invlpg, read */
	bad = 0;
	for (unsigned n = 0; n < 512; n++) {
		unsigned i = n % NPAGE, k = (n * 7 + 3) % NFRAME;

		*pg_pte(page(i)) = frame(k) | P | W;
		invlpg(page(i));
		bad += rd(page(i)) != tag(k);
	}
	check("remap + invlpg reads the new frame", !bad);

	/* every PTE of the table, then one CR3 reload */
	bad = 0;
	for (unsigned r = 0; r < 8; r++) {
		for (unsigned i = 0; i < NPAGE; i++)
			*pg_pte(page(i)) = frame((i + r * 5) % NFRAME) | P | W;
		pg_reload();
		for (unsigned i = 0; i < NPAGE; i++)
			bad += rd(page(i)) != tag((i + r * 5) % NFRAME);
	}
	check("edits + CR3 reload read the new frames", !bad);

	*pg_pte(page(0)) = 0;
	invlpg(page(0));
	check("cleared PTE faults", probe(RD, page(0)) && pf_err == 0 && pf_cr2 == page(0));
	*pg_pte(page(0)) = frame(0) | P | W;
	invlpg(page(0));
	check("restored PTE", rd(page(0)) == tag(0));

	/* write access taken away in place: the supervisor write faults under WP */
	cr0_set(cr0_get() | CR0_WP);
	wr(page(0) + 8, 1);
	*pg_pte(page(0)) = frame(0) | P;
	invlpg(page(0));
	check("read-only PTE faults on write", probe(WR, page(0) + 8) && pf_err == (P | W) &&
	      pf_cr2 == page(0) + 8);
	check("read-only PTE still reads", rd(page(0)) == tag(0));
	*pg_pte(page(0)) = frame(0) | P | W;
	invlpg(page(0));
	check("writable again", !probe(WR, page(0) + 8));
	cr0_set(cr0_get() & ~CR0_WP);

	/* A and D cleared in place are set again by the next accesses */
	rd(page(1));
	wr(page(1) + 8, 2);
	*pg_pte(page(1)) &= ~(pte_t)(A | D);
	invlpg(page(1));
	rd(page(1));
	check("read sets A again", (*pg_pte(page(1)) & (A | D)) == A);
	wr(page(1) + 8, 3);
	check("write sets D again", (*pg_pte(page(1)) & (A | D)) == (A | D));

	/*
	 * The forgotten invlpg.  Table t maps VB in space s1; it is edited
	 * without an invlpg and handed to s2 as well.  The space that edits
	 * may read either frame; a space reached by a CR3 write, only the new.
	 */
	s1 = pg_cr3();
	s2 = pg_new_space();
	t = pg_pte(VB);
	*t = frame(40) | P | W;
	invlpg(VB);
	check("s1 reads its frame", rd(VB) == tag(40));
	*t = frame(41) | P | W;
	v = rd(VB);
	stale = v == tag(40);
	check("without invlpg: the old frame or the new one", stale || v == tag(41));
	*pg_pde_in(s2, VB) = *pg_pde(VB);
	pg_set_cr3(s2);
	check("s2 reads its own frame", rd(VB) == tag(41));
	*t = frame(42) | P | W;
	v = rd(VB);
	stale += v == tag(41);
	check("s2 without invlpg: old or new", v == tag(41) || v == tag(42));
	pg_set_cr3(s1);
	check("after the CR3 write s1 reads the newest frame", rd(VB) == tag(42));
	/* both spaces' shadow paths to t are built now: edit from s1, read in s2 */
	*t = frame(43) | P | W;
	v = rd(VB);
	stale += v == tag(42);
	check("s1 without invlpg: old or new", v == tag(42) || v == tag(43));
	pg_set_cr3(s2);
	check("after the CR3 write s2 reads the newest frame", rd(VB) == tag(43));

	/*
	 * A table edited while no loaded root reaches it, then linked into
	 * the tree: s1 maps VC through table u, s2 does not; from s2, u is
	 * edited (no invlpg: s2 never mapped VC), then s2's directory entry
	 * for VC points at u.  s2's first read of VC must see the edit, and
	 * so must s1 after its CR3 write.  VD maps u again one GiB higher
	 * (same half of the directory, so the same shadow of u in 2-level
	 * paging).
	 */
	pg_set_cr3(s1);
	u = pg_pte(VC);
	u[0] = frame(50) | P | W;
	u[1] = frame(50) | P | W;
	invlpg(VC);
	invlpg(VC + 4096);
	check("s1 reads VC", rd(VC) == tag(50) && rd(VC + 4096) == tag(50));
	pg_set_cr3(s2);
	*pg_pde_in(s2, VC) = 0;
	pg_reload();
	for (unsigned r = 0; r < 3; r++) {
		u[0] = frame(51 + r) | P | W;
		u[1] = frame(54 + r) | P | W;
		*pg_pde_in(s2, VD) = *pg_pde_in(s1, VC);
		/* the first read walks; the second finds what the first linked */
		check("a table linked after edits in another space reads the newest frames",
		      rd(VD) == tag(51 + r) && rd(VD + 4096) == tag(54 + r));
		*pg_pde_in(s2, VD) = 0;
		invlpg(VD);
		invlpg(VD + 4096);
		pg_set_cr3(s1);
		check("the space that maps it reads the newest frames after a CR3 write",
		      rd(VC) == tag(51 + r) && rd(VC + 4096) == tag(54 + r));
		pg_set_cr3(s2);
	}

	ser_puts("pg_unsync: ");
	put_dec(failures);
	ser_puts(" failed\npg_unsync: stale reads after a forgotten invlpg: ");
	put_dec(stale);
	ser_puts("\n");
	return failures;
}
