/*
 * The guest walker on hand-built tables: 4-level paging with 4 KiB, 2 MiB
 * and 1 GiB pages, reserved bits, NX, A/D updates, non-canonical addresses,
 * and the U/S x R/W x NX x WP x SMEP x SMAP x AC x CPL rules against their
 * definition case by case.
 */
#include <string.h>

#include "arch/x86/walk.h"
#include "check.h"

static uint8_t ram[64 << 12];	/* 64 frames */

static int rd(void *o, uint64_t gpa, unsigned size, uint64_t *v)
{
	(void)o;
	if (gpa + size > sizeof(ram))
		return -1;
	*v = 0;
	memcpy(v, ram + gpa, size);
	return 0;
}

static void wr(void *o, uint64_t gpa, unsigned size, uint64_t v)
{
	(void)o;
	memcpy(ram + gpa, &v, size);
}

static uint64_t *ent(unsigned frame, unsigned idx)
{
	return (uint64_t *)(ram + frame * 4096ull) + idx;
}

static const struct walk_mem mem = { NULL, rd, wr };

/* PML4 at frame 1; PDPT 2; PD 3; PT 4.  0x0000_0040_0020_1000 -> frame 9. */
static void build(void)
{
	memset(ram, 0, sizeof(ram));
	*ent(1, 0) = 2 << 12 | PTE_P | PTE_W | PTE_U;
	*ent(2, 1) = 3 << 12 | PTE_P | PTE_W | PTE_U;
	*ent(3, 1) = 4 << 12 | PTE_P | PTE_W | PTE_U;
	*ent(4, 1) = 9 << 12 | PTE_P | PTE_W | PTE_U;
	*ent(3, 2) = 0x400000 | PTE_PS | PTE_P | PTE_W;		/* 2 MiB at 0x40400000 */
	*ent(2, 2) = 0x40000000 | PTE_PS | PTE_P;		/* 1 GiB at 0x80000000, read-only */
}

int main(void)
{
	struct walk_mode m = { .levels = 4, .nxe = 1, .wp = 1, .cr3 = 1 << 12 };
	struct walk w;
	unsigned bad = 0, n = 0;

	build();
	CHECK(walk_gva(&m, &mem, 0x40201234, 0, 0, &w) == WALK_OK && w.gpa == 0x9234 && w.level == 1,
	      "4-level: a 4 KiB page translates");
	CHECK((*ent(1, 0) & PTE_A) && (*ent(4, 1) & PTE_A) && !(*ent(4, 1) & PTE_D), "a read sets A on every level, not D");
	CHECK(walk_gva(&m, &mem, 0x40201234, PFERR_W | PFERR_U, 0, &w) == WALK_OK && (*ent(4, 1) & PTE_D) && w.dirty,
	      "a user write sets D");
	CHECK(walk_gva(&m, &mem, 0x40523456, 0, 0, &w) == WALK_OK && w.gpa == 0x523456 && w.level == 2,
	      "a 2 MiB page translates");
	CHECK(walk_gva(&m, &mem, 0x40523456, PFERR_U, 0, &w) == WALK_PF && w.error == (PFERR_P | PFERR_U),
	      "a supervisor 2 MiB page refuses a user read: P|U");
	CHECK(walk_gva(&m, &mem, 0x8123f000, 0, 0, &w) == WALK_OK && w.gpa == 0x4123f000 && w.level == 3,
	      "a 1 GiB page translates");
	CHECK(walk_gva(&m, &mem, 0x8123f000, PFERR_W, 0, &w) == WALK_PF && w.error == (PFERR_P | PFERR_W),
	      "a read-only 1 GiB page refuses a supervisor write under WP");
	CHECK(walk_gva(&m, &mem, 0x7000000000ull, PFERR_ID, 0, &w) == WALK_PF && w.error == PFERR_ID,
	      "not present: fetch error code has I/D (NXE) and no P");
	CHECK(walk_gva(&m, &mem, 0x0000800000000000ull, 0, 0, &w) == WALK_GP, "a non-canonical address is #GP");
	*ent(4, 1) |= PTE_NX;
	CHECK(walk_gva(&m, &mem, 0x40201000, PFERR_ID, 0, &w) == WALK_PF && w.error == (PFERR_P | PFERR_ID),
	      "NX refuses a fetch");
	m.nxe = 0;
	CHECK(walk_gva(&m, &mem, 0x40201000, 0, 0, &w) == WALK_PF && w.error == (PFERR_P | PFERR_RSVD),
	      "bit 63 without EFER.NXE is reserved");
	m.nxe = 1;
	*ent(3, 2) |= 1ull << 13;
	CHECK(walk_gva(&m, &mem, 0x40400000, PFERR_W, 0, &w) == WALK_PF && w.error == (PFERR_P | PFERR_RSVD | PFERR_W),
	      "reserved bit 13 in a 2 MiB entry: RSVD");
	*ent(1, 0) |= PTE_PS;
	CHECK(walk_gva(&m, &mem, 0x40201000, 0, 0, &w) == WALK_PF && (w.error & PFERR_RSVD), "PS in a PML4 entry is reserved");
	*ent(1, 0) |= 1ull << 40;
	CHECK(walk_gva(&m, &mem, 0x40201000, 0, 0, &w) == WALK_PF && (w.error & PFERR_RSVD), "address bits above MAXPHYADDR are reserved");

	/* the rules, case by case, against their statement in the SDM */
	for (unsigned c = 0; c < 1024; c++) {
		unsigned rights = c & 7, kind = c >> 3 & 3, user = c >> 5 & 1;
		struct walk_mode mm = { .levels = 3, .nxe = 1, .wp = c >> 6 & 1, .smep = c >> 7 & 1, .smap = c >> 8 & 1 };
		int ac = c >> 9 & 1, want;
		unsigned acc;

		if (kind == 3)
			continue;
		acc = (kind == 1 ? PFERR_W : kind == 2 ? PFERR_ID : 0) | (user ? PFERR_U : 0);
		if (user)
			want = !(rights & RIGHT_U) || (kind == 1 && !(rights & RIGHT_W)) || (kind == 2 && !(rights & RIGHT_X));
		else if (kind == 2)
			want = !(rights & RIGHT_X) || (mm.smep && (rights & RIGHT_U));
		else
			want = (mm.smap && (rights & RIGHT_U) && !ac) || (kind == 1 && mm.wp && !(rights & RIGHT_W));
		n++;
		bad += walk_perm_fault(&mm, rights, acc, ac) != want;
	}
	CHECK(!bad, "permission rules hold in all %u combinations", n);
	CHECK(walk_pdpte_bad(PTE_P | PTE_W) && !walk_pdpte_bad(0x5000 | PTE_P) && !walk_pdpte_bad(PTE_W),
	      "PAE PDPTEs: R/W is reserved, a not-present entry is never bad");
	{
		struct walk_mode m2 = { .levels = 2 }, m64 = { .levels = 4, .nxe = 1 }, m64nx = { .levels = 4 };
		uint64_t gfn = 0;
		unsigned r = 0;

		CHECK(!walk_pte_leaf(&m2, 0x12345000 | PTE_P | PTE_A | PTE_W, &gfn, &r) && gfn == 0x12345 &&
		      r == (RIGHT_W | RIGHT_X), "a 32-bit leaf PTE: frame and rights");
		CHECK(walk_pte_leaf(&m2, 0x12345000 | PTE_P, &gfn, &r), "a PTE without A must be walked to set it");
		CHECK(walk_pte_leaf(&m64, 0x5000 | PTE_A, &gfn, &r), "a PTE that is not present is no leaf");
		CHECK(!walk_pte_leaf(&m64, PTE_NX | 0x7000 | PTE_P | PTE_A | PTE_U, &gfn, &r) && gfn == 7 &&
		      r == RIGHT_U, "a 64-bit leaf PTE with NX");
		CHECK(walk_pte_leaf(&m64nx, PTE_NX | 0x7000 | PTE_P | PTE_A, &gfn, &r),
		      "NX without EFER.NXE is a reserved bit");
		CHECK(walk_pte_leaf(&m64, (1ull << MAXPHYADDR) | PTE_P | PTE_A, &gfn, &r),
		      "an address beyond MAXPHYADDR is reserved");
	}
	return check_done();
}
