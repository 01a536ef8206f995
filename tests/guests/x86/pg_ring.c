/*
 * Implicit supervisor accesses from ring 3 (SDM vol. 3 "Access Rights"):
 * the GDT, the IDT, the TSS and the ring-0 stack are on supervisor pages,
 * and ring 3 still enters ring 0 through int $0x80 and faults, loads
 * segments and has its I/O checked, because those reads are supervisor
 * accesses whatever the CPL (a #PF they take has no U bit).  An LDT on a
 * user page: readable to such accesses without SMAP; under SMAP a fault
 * whatever EFLAGS.AC says at CPL 3.  stac and clac at CPL 0 open and
 * close SMAP for explicit accesses; stac is #UD at CPL 3.  cpuid
 * advertises SMEP and SMAP, and (PAE build) bit MAXPHYADDR of leaf
 * 0x80000008 is a reserved bit in a PTE.  Prints one line per
 * step; exit code: the number of failures.
 */
#include "pg.h"

#define DATA_USER 0x00500000u	/* a user page (the LDT in some steps) */
#define DATA_SV 0x00501000u	/* a supervisor page (the LDT in others) */
#define VA_ABSENT 0x40000000u
#define LDT_SEL 0x07		/* LDT entry 0, RPL 3 */

static void line(const char *what, int faulted)
{
	ser_puts(what);
	if (!faulted) {
		ser_puts(": ok\n");
		return;
	}
	ser_puts(": vector ");
	put_dec(pf_vec);
	ser_puts(" error ");
	put_hex(pf_err);
	if (pf_vec == 14) {
		ser_puts(" cr2 ");
		put_hex(pf_cr2);
	}
	ser_puts("\n");
}

/* One step: it faults with (vector, error, cr2), or vector 0: it does not. */
static void step(const char *what, int faulted, uint32_t vec, uint32_t err, uint32_t cr2)
{
	line(what, faulted);
	check(what, vec ? faulted && pf_vec == vec && pf_err == err && (vec != 14 || pf_cr2 == cr2) : !faulted);
}

/* The LDT at va: entry 0 a flat ring-3 data segment; its descriptor in the GDT. */
static void ldt_at(uint32_t va)
{
	uint32_t *ldt = (uint32_t *)va;

	ldt[0] = 0x0000ffff;
	ldt[1] = 0x00cff200;
	gdt_set(SEL_FREE, (va & 0xffff) << 16 | 7, (va >> 16 & 0xff) | 0x8200 | (va & 0xff000000));
	__asm__ volatile("lldt %w0" : : "r"(SEL_FREE));
}

static int cpl0_load_fs(uint16_t sel)
{
	uint32_t before = pf_count;

	__asm__ volatile("movl $1f, pf_resume\n\tmovw %w0, %%fs\n1:\tmovw %w1, %%fs" : : "r"(sel), "r"(0x10) : "memory");
	return pf_count != before;
}

static int smap_op(int stac)
{
	uint32_t before = pf_count;

	if (stac)
		__asm__ volatile("movl $1f, pf_resume\n\tstac\n\tmovb (%0), %%al\n1:\tclac"
				 : : "r"(DATA_USER) : "eax", "memory");
	else
		__asm__ volatile("movl $1f, pf_resume\n\tstac\n\tclac\n\tmovb (%0), %%al\n1:"
				 : : "r"(DATA_USER) : "eax", "memory");
	return pf_count != before;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

int main(void)
{
	uint32_t r[4], cr4;

	pg_init();
	*pg_pte(DATA_USER) = DATA_USER | P | W | U;
	*pg_pte(DATA_SV) = DATA_SV | P | W;
	*pg_pte(VA_ABSENT) = 0;
	pg_reload();
	ser_puts("pg_ring: GDT, IDT, TSS and ring-0 stack on supervisor pages\n");

	step("ring 3 reads a user page and returns by int $0x80", probe_user(RD, DATA_USER, 0), 0, 0, 0);
	step("ring 3 reads a supervisor page: #PF from ring 3", probe_user(RD, DATA_SV, 0), 14, P | U, DATA_SV);
	step("ring 3 reads a page not present", probe_user(RD, VA_ABSENT, 0), 14, U, VA_ABSENT);
	step("ring 3 loads its data segment from the GDT", probe_user(SEG, SEL_DATA3, 0), 0, 0, 0);
	step("ring 3 loads a ring-0 data segment: #GP", probe_user(SEG, 0x10, 0), 13, 0x10, 0);
	step("ring 3 int through a DPL-0 gate: #GP", probe_user(INT, 0, 0), 13, 0x81 * 8 + 2, 0);
	step("ring 3 in from a port: the TSS has no I/O bitmap, #GP", probe_user(IO, 0x80, 0), 13, 0, 0);

	ldt_at(DATA_SV);
	step("ring 3 loads from an LDT on a supervisor page", probe_user(SEG, LDT_SEL, 0), 0, 0, 0);
	ldt_at(DATA_USER);
	step("ring 3 loads from an LDT on a user page", probe_user(SEG, LDT_SEL, 0), 0, 0, 0);
	cr4 = cr4_get();
	cr4_set(cr4 | CR4_SMAP);
	step("SMAP: ring 3 loads from an LDT on a user page", probe_user(SEG, LDT_SEL, 0), 14, P, DATA_USER);
	step("SMAP: ... with EFLAGS.AC set in ring 3", probe_user(SEG, LDT_SEL, 1), 14, P, DATA_USER);
	step("SMAP: ring 0 loads from an LDT on a user page", cpl0_load_fs(LDT_SEL), 14, P, DATA_USER);
	ldt_at(DATA_SV);
	step("SMAP: ring 3 loads from an LDT on a supervisor page", probe_user(SEG, LDT_SEL, 1), 0, 0, 0);
	*pg_pte(DATA_SV) = 0;
	invlpg(DATA_SV);
	step("ring 3 loads from an LDT on a page not present", probe_user(SEG, LDT_SEL, 0), 14, 0, DATA_SV);
	*pg_pte(DATA_SV) = DATA_SV | P | W;
	invlpg(DATA_SV);

	step("SMAP: ring 0 reads a user page after stac", smap_op(1), 0, 0, 0);
	step("SMAP: ring 0 reads a user page after clac", smap_op(0), 14, P, DATA_USER);
	cr4_set(cr4);
	step("ring 3 runs stac: #UD", probe_user(STAC, 0, 0), 6, 0, 0);

	cpuid(0, r);
	if (r[0] >= 7)
		cpuid(7, r);
	step("cpuid leaf 7 advertises SMEP and SMAP", (r[1] & 0x100080) != 0x100080, 0, 0, 0);
#ifdef PAE
	cpuid(0x80000008, r);
	*pg_pte(VA_ABSENT) = (1ull << (r[0] & 0xff)) | DATA_SV | P | W;
	invlpg(VA_ABSENT);
	/* P is set too (SDM: RSVD only on present entries); some QEMU versions leave it out */
	if (probe(RD, VA_ABSENT) && pf_vec == 14 && (pf_err & 8) && pf_cr2 == VA_ABSENT) {
		ser_puts("bit MAXPHYADDR (cpuid 0x80000008) of a PTE is reserved: ok\n");
	} else {
		failures++;
		ser_puts("FAIL bit MAXPHYADDR of a PTE is no reserved bit\n");
	}
#endif
	ser_puts("pg_ring: ");
	put_dec(failures);
	ser_puts(" failed\n");
	return failures;
}
