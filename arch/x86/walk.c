/* The guest walker compiled for both PTE formats, and the permission rules they share. */
#include "walk.h"

int walk_perm_fault(const struct walk_mode *m, unsigned rights, unsigned access, int ac)
{
	int user_page = !!(rights & RIGHT_U);

	if (access & PFERR_U) {
		if (!user_page)
			return 1;
		if ((access & PFERR_W) && !(rights & RIGHT_W))
			return 1;
		return (access & PFERR_ID) && !(rights & RIGHT_X);
	}
	if (access & PFERR_ID)
		return !(rights & RIGHT_X) || (m->smep && user_page);
	if (m->smap && user_page && !ac)
		return 1;
	return (access & PFERR_W) && !(rights & RIGHT_W) && m->wp;
}

uint32_t walk_error(const struct walk_mode *m, unsigned access, unsigned bits)
{
	uint32_t e = bits | (access & (PFERR_W | PFERR_U));

	/* I/D is reported only where fetches can fault on their own: NX or SMEP */
	if ((access & PFERR_ID) && (m->smep || (m->levels >= 3 && m->nxe)))
		e |= PFERR_ID;
	return e;
}

int walk_pdpte_bad(uint64_t pdpte)
{
	const uint64_t rsvd = 0x1e6ull | (~0ull << MAXPHYADDR);

	return (pdpte & PTE_P) && (pdpte & rsvd);
}

#define PTTYPE 32
#include "walk_tmpl.h"
#undef PTTYPE
#define PTTYPE 64
#include "walk_tmpl.h"
#undef PTTYPE

int walk_gva(const struct walk_mode *m, const struct walk_mem *mem, uint64_t gva,
	     unsigned access, int ac, struct walk *w)
{
	if (m->levels == 2)
		return walk32_walk(m, mem, (uint32_t)gva, access, ac, w);
	if (m->levels == 4 && (uint64_t)((int64_t)(gva << 16) >> 16) != gva)
		return WALK_GP;
	return walk64_walk(m, mem, m->levels == 3 ? (uint32_t)gva : gva, access, ac, w);
}

int walk_pte_leaf(const struct walk_mode *m, uint64_t pte, uint64_t *gfn, unsigned *rights)
{
	if (m->levels == 2)
		return walk32_leaf(m, (uint32_t)pte, gfn, rights);
	return walk64_leaf(m, pte, gfn, rights);
}
