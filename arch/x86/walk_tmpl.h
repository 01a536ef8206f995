/*
 * The guest walk, included once per PTE format by walk.c with PTTYPE 32
 * (2-level paging, 4-byte entries, 4 MiB pages under CR4.PSE) or 64 (PAE
 * and 4-level paging, 8-byte entries, 2 MiB and 1 GiB pages).
 */
#if PTTYPE == 32
#define pt_element_t uint32_t
#define FNAME(n) walk32_##n
#define PT_BITS 10
#elif PTTYPE == 64
#define pt_element_t uint64_t
#define FNAME(n) walk64_##n
#define PT_BITS 9
#else
#error "PTTYPE must be 32 or 64"
#endif

#define PT_INDEX(gva, l) (((gva) >> (12 + PT_BITS * ((l) - 1))) & ((1u << PT_BITS) - 1))

/* A large page is possible at this level. */
static int FNAME(large_ok)(const struct walk_mode *m, unsigned level)
{
#if PTTYPE == 32
	return level == 2 && m->pse;
#else
	(void)m;
	return level == 2 || level == 3;
#endif
}

/* Bits that must be zero in an entry at `level` (leaf or not, as PS says). */
static uint64_t FNAME(rsvd)(const struct walk_mode *m, unsigned level, uint64_t pte)
{
#if PTTYPE == 32
	/* 4 MiB pages: bits 13..(13+MAXPHYADDR-33) hold address bits 32 and up, bit 21 is reserved */
	if (level == 2 && m->pse && (pte & PTE_PS))
		return ((1ull << 22) - 1) & ~((1ull << (13 + MAXPHYADDR - 32)) - 1);
	return 0;
#else
	uint64_t r = ((1ull << 52) - 1) & ~((1ull << MAXPHYADDR) - 1);

	if (!m->nxe)
		r |= PTE_NX;
	if (level == 4)
		r |= PTE_PS;
	else if (pte & PTE_PS) {
		if (level == 2)
			r |= ((1ull << 21) - 1) & ~((1ull << 13) - 1);
		else if (level == 3)
			r |= ((1ull << 30) - 1) & ~((1ull << 13) - 1);
	}
	return r;
#endif
}

/* Physical address of the page an entry maps at `level`, plus gva's offset into it. */
static uint64_t FNAME(leaf_gpa)(uint64_t pte, unsigned level, uint64_t gva)
{
#if PTTYPE == 32
	if (level == 2)
		return (pte & 0xffc00000ull) | ((pte >> 13 & 0xff) << 32) | (gva & 0x3fffff);
	return (pte & 0xfffff000ull) | (gva & 0xfff);
#else
	uint64_t off = (1ull << (12 + 9 * (level - 1))) - 1;

	return (pte & ((1ull << 52) - 1) & ~off) | (gva & off);
#endif
}

static unsigned FNAME(rights)(const struct walk_mode *m, uint64_t pte)
{
	unsigned r = 0;

	if (pte & PTE_W)
		r |= RIGHT_W;
	if (pte & PTE_U)
		r |= RIGHT_U;
#if PTTYPE == 64
	if (!(m->nxe && (pte & PTE_NX)))
		r |= RIGHT_X;
#else
	(void)m;
	r |= RIGHT_X;
#endif
	return r;
}

/* A 4 KiB leaf entry a walk would use as it is: 0 and its frame and rights, or -1. */
static int FNAME(leaf)(const struct walk_mode *m, uint64_t pte, uint64_t *gfn, unsigned *rights)
{
	if (!(pte & PTE_P) || !(pte & PTE_A) || (pte & FNAME(rsvd)(m, 1, pte)))
		return -1;
	*gfn = FNAME(leaf_gpa)(pte, 1, 0) >> 12;
	*rights = FNAME(rights)(m, pte);
	return 0;
}

static int FNAME(walk)(const struct walk_mode *m, const struct walk_mem *mem, uint64_t gva,
		       unsigned access, int ac, struct walk *w)
{
	uint64_t ptes[5] = { 0 }, addr[5] = { 0 }, table, v;
	unsigned level = m->levels, rights = RIGHT_ALL;
	uint32_t bits = 0;

	table = m->cr3 & (PTTYPE == 32 ? 0xfffff000ull : ((1ull << 52) - 1) & ~0xfffull);
#if PTTYPE == 64
	if (m->levels == 3) {
		/* the PDPTEs were loaded (and checked) with cr3; they grant every right */
		uint64_t pdpte = m->pdpte[(gva >> 30) & 3];

		w->table_gfn[3] = (m->cr3 & 0xffffffe0ull) >> 12;
		w->rights_above[3] = RIGHT_ALL;
		if (!(pdpte & PTE_P))
			goto fault;
		level = 2;
		table = pdpte & ((1ull << MAXPHYADDR) - 1) & ~0xfffull;
	}
#endif
	w->rights_above[level] = RIGHT_ALL;
	for (;; level--) {
		w->table_gfn[level] = table >> 12;
		addr[level] = table + PT_INDEX(gva, level) * sizeof(pt_element_t);
		if (mem->read(mem->opaque, addr[level], sizeof(pt_element_t), &v))
			goto fault;
		ptes[level] = v;
		if (!(v & PTE_P))
			goto fault;
		if (v & FNAME(rsvd)(m, level, v)) {
			bits = PFERR_P | PFERR_RSVD;
			goto fault;
		}
		rights &= FNAME(rights)(m, v);
		w->rights_above[level - 1] = rights;
		if (level == 1 || (FNAME(large_ok)(m, level) && (v & PTE_PS)))
			break;
		table = v & (PTTYPE == 32 ? 0xfffff000ull : ((1ull << 52) - 1) & ~0xfffull);
	}
	if (walk_perm_fault(m, rights, access, ac)) {
		bits = PFERR_P;
		goto fault;
	}
	w->level = level;
	w->rights = rights;
	w->gpa = FNAME(leaf_gpa)(ptes[level], level, gva);
	w->global = !!(ptes[level] & PTE_G);
	/* A on every entry used, D on the leaf of a write, as the CPU sets them */
	for (unsigned l = m->levels == 3 ? 2 : m->levels; l >= level; l--) {
		uint64_t nv = ptes[l] | PTE_A;

		if (l == level && (access & PFERR_W))
			nv |= PTE_D;
		if (nv != ptes[l] && mem->write)
			mem->write(mem->opaque, addr[l], sizeof(pt_element_t), nv);
		ptes[l] = nv;
		if (l == 1)
			break;
	}
	w->dirty = !!(ptes[level] & PTE_D);
	return WALK_OK;
fault:
	w->error = walk_error(m, access, bits);
	return WALK_PF;
}

#undef pt_element_t
#undef FNAME
#undef PT_BITS
#undef PT_INDEX
