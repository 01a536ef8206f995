/*
 * The permission matrix at CPL 0 and CPL 3: for a 4 KiB page (U/S and R/W
 * in both the directory entry and the PTE) and a large page, with CR0.WP,
 * CR4.SMEP, CR4.SMAP with EFLAGS.AC, and NX (PAE, when the command line
 * says "nx": EFER.NXE is set then), each read, write and fetch must fault
 * exactly when the architecture says, with its error code and CR2, and
 * leave the A and D bits as the CPU sets them.  CPL 3 runs the access
 * from a probe on a user page; the GDT, IDT, TSS and ring-0 stack it
 * enters ring 0 through are on supervisor pages.  Exit code: the number
 * of mismatches.
 */
#include "pg.h"

#define VA4K 0x40000000u
#define VALARGE (0x40000000u + 4 * LARGE_SIZE)
#define FRAME 0x00600000u	/* the 4 KiB page's frame */
#define LFRAME 0x00800000u	/* the large page's frames */

static int nx_on, cases;

/* bits: 0 pde.U 1 pde.W 2 pte.U 3 pte.W 4 large 5 WP 6 SMEP 7 SMAP 8 AC 9 NX 10 CPL 3 */
static void one(uint32_t bits, int kind)
{
	int large = bits >> 4 & 1, user, writable, nx = nx_on && (bits >> 9 & 1), cpl3 = bits >> 10 & 1;
	int wp = bits >> 5 & 1, smep = bits >> 6 & 1, smap = bits >> 7 & 1, ac = bits >> 8 & 1;
	uint32_t va = large ? VALARGE + 0x3000 : VA4K, want, got, cr4;
	pte_t *pde = pg_pde(va), *pte = large ? pde : pg_pte(VA4K), leaf;

	leaf = (large ? LFRAME | PS : FRAME) | P;
	if (large) {
		user = bits & 1;
		writable = bits >> 1 & 1;
		leaf |= (bits & 1 ? U : 0) | (bits & 2 ? W : 0);
	} else {
		*pde = (*pde & ~(pte_t)(U | W | A)) | (bits & 1 ? U : 0) | (bits & 2 ? W : 0);
		user = (bits & 1) && (bits & 4);
		writable = (bits & 2) && (bits & 8);
		leaf |= (bits & 4 ? U : 0) | (bits & 8 ? W : 0);
	}
#ifdef PAE
	if (nx)
		leaf |= NX;
#endif
	*pte = leaf;
	pg_reload();
	cr0_set(wp ? cr0_get() | CR0_WP : cr0_get() & ~CR0_WP);
	cr4 = cr4_get() & ~(CR4_SMEP | CR4_SMAP);
	cr4_set(cr4 | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0));
	pf_err = 0;
	if (cpl3) {
		got = probe_user(kind, va, ac) ? pf_err : 0;
	} else {
		ac_set(ac);
		got = probe(kind, va) ? pf_err : 0;
		ac_set(0);
	}
	cr4_set(cr4);
	want = access_fault(kind, cpl3, user, writable, nx, wp, smep, smap, ac, smep || nx_on);
	cases++;
	if (got != want) {
		report("error code", bits, kind, want, got);
		return;
	}
	if (got && (pf_vec != 14 || pf_cr2 != va))
		report("cr2", bits, kind, va, pf_cr2);
	/* A only on success, D only on a successful write */
	want = got ? 0 : A | (kind == WR ? D : 0);
	if ((*pte & (A | D)) != want)
		report("A/D bits", bits, kind, want, (uint32_t)(*pte & (A | D)));
	if (!large && !got && !(*pde & A))
		report("directory A bit", bits, kind, A, 0);
}

int main(uint32_t magic, uint32_t mbinfo)
{
	(void)magic;
	nx_on = cmdline_has(mbinfo, "nx");
#ifdef PAE
	if (nx_on)	/* EFER.NXE */
		__asm__ volatile("rdmsr\n\torl $0x800, %%eax\n\twrmsr" : : "c"(0xc0000080) : "eax", "edx");
#endif
	/* a ret at the start of every page the probes use (before paging: not mapped 1:1) */
	*(volatile uint8_t *)FRAME = 0xc3;
	*(volatile uint8_t *)(LFRAME + 0x3000) = 0xc3;
	pg_init();
	for (uint32_t bits = 0; bits < 2048u; bits++) {
		if ((bits & 16) && (bits & 12))	/* large pages have no PTE bits */
			continue;
		if (!(bits & 128) && (bits & 256))	/* AC matters only under SMAP */
			continue;
		if (!nx_on && (bits & 512))
			continue;
		for (int kind = RD; kind <= FX; kind++)
			one(bits, kind);
	}
#ifdef PAE
	ser_puts("pg_perm_pae: ");
#else
	ser_puts("pg_perm32: ");
#endif
	put_dec(cases);
	ser_puts(" cases, ");
	put_dec(failures);
	ser_puts(" mismatches\n");
	return failures;
}
