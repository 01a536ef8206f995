/*
 * The guest page-table walker: one walk written once (walk_tmpl.h) and
 * compiled per PTE format, 32-bit entries (2-level paging with PSE) and
 * 64-bit entries (PAE and 4-level paging).  It reads guest memory through
 * callbacks, so unit tests walk hand-built tables in a buffer, and it never
 * injects anything: a fault comes back as an architectural #PF error code.
 */
#ifndef X86_WALK_H
#define X86_WALK_H

#include <stdint.h>

/* #PF error code bits (SDM vol. 3, "Page-fault error code"). */
#define PFERR_P 0x01u
#define PFERR_W 0x02u
#define PFERR_U 0x04u
#define PFERR_RSVD 0x08u
#define PFERR_ID 0x10u

/* Rights a translation grants, accumulated over every level. */
#define RIGHT_W 1u
#define RIGHT_U 2u
#define RIGHT_X 4u
#define RIGHT_ALL 7u

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)

/* The physical-address width this CPU model has (64 GiB, the most a VM holds). */
#define MAXPHYADDR 36

#define CR4_PSE (1u << 4)
#ifndef CR4_PAE
#define CR4_PAE (1u << 5)
#endif
#define CR4_PGE (1u << 7)
#define CR4_LA57 (1u << 12)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define CR4_PKE (1u << 22)
#ifndef EFER_NXE
#define EFER_NXE (1u << 11)
#endif

/* Everything of the CPU's mode that a walk depends on. */
struct walk_mode {
	uint8_t levels;		/* 2: 32-bit paging, 3: PAE, 4: 4-level */
	uint8_t nxe, pse, wp, smep, smap;
	uint64_t cr3;
	uint64_t pdpte[4];	/* PAE: loaded from the table at cr3 when cr3 is written */
};

/* Guest-physical access for the walker; write may be NULL (no A/D updates). */
struct walk_mem {
	void *opaque;
	int (*read)(void *opaque, uint64_t gpa, unsigned size, uint64_t *val);	/* 0 or -1 */
	void (*write)(void *opaque, uint64_t gpa, unsigned size, uint64_t val);
};

struct walk {
	uint64_t gpa;			/* the translation of the whole address */
	uint64_t table_gfn[5];		/* [l]: frame of the guest table read at level l */
	uint8_t rights_above[6];	/* [l]: rights granted by the levels above l */
	uint8_t level;			/* of the leaf: 1 = 4 KiB, 2 = 2/4 MiB, 3 = 1 GiB */
	uint8_t rights;			/* RIGHT_*: all levels together */
	uint8_t dirty;			/* the leaf's D bit after the walk */
	uint8_t global;
	uint32_t error;			/* #PF error code, when the walk faults */
};

enum { WALK_OK = 0, WALK_PF = 1, WALK_GP = 2 };

/*
 * Translate gva for an access made of PFERR_W (write), PFERR_U (CPL 3) and
 * PFERR_ID (instruction fetch); ac is EFLAGS.AC (SMAP).  Sets A and D bits
 * as the CPU does when the access succeeds.  WALK_GP: not canonical.
 */
int walk_gva(const struct walk_mode *m, const struct walk_mem *mem, uint64_t gva,
	     unsigned access, int ac, struct walk *w);
/* Does an access with these rights fault?  (the U/S, R/W, NX, WP, SMEP, SMAP rules) */
int walk_perm_fault(const struct walk_mode *m, unsigned rights, unsigned access, int ac);
/* The error code of a fault for this access, with `bits` (P, RSVD) added. */
uint32_t walk_error(const struct walk_mode *m, unsigned access, unsigned bits);
/*
 * A level-1 entry (4 KiB page) as the walk would take it: 0 with the frame
 * it maps and the rights it grants, or -1 when a walk through it would
 * fault or must set its A bit first.
 */
int walk_pte_leaf(const struct walk_mode *m, uint64_t pte, uint64_t *gfn, unsigned *rights);
/* A PAE page-directory-pointer entry with reserved bits set (#GP on the cr3 load). */
int walk_pdpte_bad(uint64_t pdpte);

#endif
