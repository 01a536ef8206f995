/*
 * The shadow TLB engine, after KVM's 440 port (44x_tlb.c).
 *
 * gtlb[64] is the TLB exactly as the guest programs it.  The shadow TLB
 * holds 4 KiB translations tagged with (TID, TS), filled from the guest TLB
 * on demand without the guest noticing; a large guest page is backed by as
 * many shadow entries as pages of it are touched.
 *
 * Invariants: every valid shadow entry is on the list of the guest entry it
 * was filled from, and that guest entry still maps it; a soft-TLB entry
 * exists only while the shadow entry it came from does.  So rewriting a
 * guest entry drops exactly its descendants, and a PID or MSR[IS/DS] change
 * drops nothing (the tags carry the context; TID 0 matches any PID).
 */
#include <string.h>

#include "ppc.h"
#include "vmm/vcpu.h"

uint64_t gtlb_size(const struct gtlbe *e)
{
	uint64_t sz = 1024ull << (2 * TLB0_SIZE(e->w0));

	return sz > (1ull << 32) ? 1ull << 32 : sz;
}

static uint64_t gtlb_rpn(const struct gtlbe *e)
{
	return ((uint64_t)(e->w1 & TLB1_ERPN) << 32 | (e->w1 & TLB1_RPN)) & ~(gtlb_size(e) - 1);
}

static bool gtlb_maps(const struct gtlbe *e, uint32_t ea)
{
	uint64_t sz = gtlb_size(e);

	return (e->w0 & TLB0_V) && (((uint64_t)ea ^ (e->w0 & TLB0_EPN)) & ~(sz - 1)) == 0;
}

int tlb_search(struct ppc *c, uint32_t ea, unsigned ts, unsigned tid)
{
	for (int i = 0; i < GTLB_N; i++) {
		const struct gtlbe *e = &c->gtlb[i];

		if (gtlb_maps(e, ea) && !!(e->w0 & TLB0_TS) == ts && (!e->tid || e->tid == tid))
			return i;
	}
	return -1;
}

/* Drop the soft-TLB entries a shadow entry may have produced. */
static void soft_drop_vpn(struct ppc *c, uint32_t vpn)
{
	unsigned i = vpn & (SOFT_N - 1);

	for (int a = 0; a < 3; a++)
		if ((uint32_t)c->soft[a][i].tag >> 12 == vpn)
			c->soft[a][i].tag = ~0ull;
}

static void stlb_kill(struct ppc *c, struct stlbe *s)
{
	if (!s->valid)
		return;
	if (s->prev >= 0)
		c->stlb[s->prev].next = s->next;
	else
		c->gtlb_head[s->gidx] = s->next;
	if (s->next >= 0)
		c->stlb[s->next].prev = s->prev;
	s->valid = 0;
	soft_drop_vpn(c, s->vpn);
}

/* Drop every shadow entry filled from guest entry idx. */
static void gtlb_drop(struct ppc *c, unsigned idx)
{
	while (c->gtlb_head[idx] >= 0) {
		stlb_kill(c, &c->stlb[c->gtlb_head[idx]]);
		PSTAT(c, STLB_INVAL);
	}
}

static struct stlbe *stlb_fill(struct ppc *c, uint32_t vpn, unsigned ts, unsigned tid, int gidx,
			       uint64_t gpa, uint8_t perm)
{
	unsigned set = vpn & (STLB_SETS - 1), way;
	struct stlbe *s = NULL;

	for (way = 0; way < STLB_WAYS; way++)
		if (!c->stlb[set * STLB_WAYS + way].valid) {
			s = &c->stlb[set * STLB_WAYS + way];
			break;
		}
	if (!s) {
		way = c->stlb_rr[set]++ % STLB_WAYS;
		s = &c->stlb[set * STLB_WAYS + way];
		stlb_kill(c, s);
	}
	s->vpn = vpn;
	s->ts = ts;
	s->tid = tid;
	s->gidx = gidx;
	s->gpa = gpa;
	s->perm = perm;
	s->valid = 1;
	s->prev = -1;
	s->next = c->gtlb_head[gidx];
	if (s->next >= 0)
		c->stlb[s->next].prev = s - c->stlb;
	c->gtlb_head[gidx] = s - c->stlb;
	PSTAT(c, STLB_FILL);
	return s;
}

static struct stlbe *stlb_find(struct ppc *c, uint32_t vpn, unsigned ts, unsigned pid)
{
	struct stlbe *s = &c->stlb[(vpn & (STLB_SETS - 1)) * STLB_WAYS];

	for (int w = 0; w < STLB_WAYS; w++, s++)
		if (s->valid && s->vpn == vpn && s->ts == ts && (!s->tid || s->tid == pid))
			return s;
	return NULL;
}

static const uint8_t need_perm[3][2] = {
	[ACC_R] = { TLB2_SR, TLB2_UR },
	[ACC_W] = { TLB2_SW, TLB2_UW },
	[ACC_X] = { TLB2_SX, TLB2_UX },
};

int tlb_translate(struct ppc *c, uint32_t ea, int acc, uint64_t *gpa, uint8_t *perm, bool *small)
{
	unsigned ts = !!(c->msr & (acc == ACC_X ? MSR_IS : MSR_DS));
	unsigned pr = !!(c->msr & MSR_PR);
	uint32_t vpn = ea >> 12;
	struct stlbe *s = stlb_find(c, vpn, ts, c->pid);
	const struct gtlbe *e;
	uint64_t sz;
	int i;

	*small = false;
	if (s) {
		PSTAT(c, STLB_HIT);
	} else {
		if ((i = tlb_search(c, ea, ts, c->pid)) < 0)
			return -1;
		e = &c->gtlb[i];
		sz = gtlb_size(e);
		if (sz < 4096) {
			/* a 1 KiB page: translated here every time, never shadowed */
			*small = true;
			*perm = e->w2 & 0x3f;
			*gpa = gtlb_rpn(e) + (ea & (sz - 1));
			return (*perm & need_perm[acc][pr]) ? 0 : -2;
		}
		s = stlb_fill(c, vpn, ts, e->tid, i, gtlb_rpn(e) + ((ea & (sz - 1)) & ~0xfffu),
			      e->w2 & 0x3f);
	}
	*perm = s->perm;
	*gpa = s->gpa | (ea & 0xfff);
	return (s->perm & need_perm[acc][pr]) ? 0 : -2;
}

void tlb_write(struct ppc *c, unsigned idx, unsigned ws, uint32_t val)
{
	struct gtlbe *e = &c->gtlb[idx];

	gtlb_drop(c, idx);
	switch (ws) {
	case 0:
		e->w0 = val & TLB0_MASK;
		e->tid = c->mmucr & MMUCR_STID;
		break;
	case 1: e->w1 = val & TLB1_MASK; break;
	default: e->w2 = val & TLB2_MASK; break;
	}
	/* a new mapping may hide a 1 KiB one that has no shadow: those never have soft entries */
	PSTAT(c, TLBWE);
}

uint32_t tlb_read(struct ppc *c, unsigned idx, unsigned ws)
{
	const struct gtlbe *e = &c->gtlb[idx];

	switch (ws) {
	case 0:
		c->mmucr = (c->mmucr & ~MMUCR_STID) | e->tid;
		return e->w0;
	case 1: return e->w1;
	default: return e->w2;
	}
}

void tlb_set_entry(struct ppc *c, unsigned idx, const struct gtlbe *e)
{
	gtlb_drop(c, idx);
	c->gtlb[idx] = *e;
	c->gtlb[idx].w0 &= TLB0_MASK;
	c->gtlb[idx].w1 &= TLB1_MASK;
	c->gtlb[idx].w2 &= TLB2_MASK;
}

/* tlbivax: every entry mapping ea, whatever its TID and TS (there is no IPROT on the 440). */
void tlb_invalidate_ea(struct ppc *c, uint32_t ea)
{
	for (int i = 0; i < GTLB_N; i++)
		if (gtlb_maps(&c->gtlb[i], ea)) {
			c->gtlb[i].w0 &= ~TLB0_V;
			gtlb_drop(c, i);
		}
	PSTAT(c, TLBIVAX);
}

void tlb_flush_shadow(struct ppc *c)
{
	for (int i = 0; i < STLB_N; i++)
		c->stlb[i].valid = 0;
	for (int i = 0; i < GTLB_N; i++)
		c->gtlb_head[i] = -1;
	soft_flush(c);
}

void tlb_reset(struct ppc *c)
{
	memset(c->gtlb, 0, sizeof(c->gtlb));
	tlb_flush_shadow(c);
}
