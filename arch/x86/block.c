/*
 * Pre-decoded blocks: straight-line runs of instructions decoded once and
 * kept per (physical address, eip, cs base, decode mode).  Each guest page
 * holding decoded code has a cpage that lists its blocks and the 64-byte
 * chunks they cover; a write to a covered chunk drops the page's blocks.
 */
#include <stdlib.h>

#include "cpu.h"
#include "exec.h"
#include "vmm/vm.h"

static size_t block_size(unsigned n)
{
	return sizeof(struct block) + (n + 1) * sizeof(struct insn);
}

/* What the cache holds, in code_cache_bytes (a gauge: stats sums the vcpus'). */
static void code_bytes_add(struct x86_cpu *c, int64_t n)
{
	c->code_bytes += n;
	c->v->astat[X86_STAT_CODE_BYTES] = c->code_bytes;
}

static unsigned bhash(uint64_t pa, uint64_t eip, uint32_t mode)
{
	uint64_t h = pa * 0x9e3779b97f4a7c15ull ^ eip * 0xc2b2ae3d27d4eb4full ^ mode;

	return (h >> 40) & (BHASH_SIZE - 1);
}

struct cpage *cpage_find(struct x86_cpu *c, uint64_t gfn)
{
	for (struct cpage *p = c->cpages[gfn & (CPAGE_HASH - 1)]; p; p = p->next)
		if (p->gfn == gfn)
			return p;
	return NULL;
}

static struct cpage *cpage_get(struct x86_cpu *c, uint64_t gfn)
{
	struct cpage *p = cpage_find(c, gfn);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	code_bytes_add(c, sizeof(*p));
	p->gfn = gfn;
	p->next = c->cpages[gfn & (CPAGE_HASH - 1)];
	c->cpages[gfn & (CPAGE_HASH - 1)] = p;
	c->ncpages++;
	/* writes to this page must now see the code */
	tlb_inval_pa(c, gfn << PAGE_SHIFT, 1u << TLB_WRITE);
	return p;
}

static void cpage_remove(struct x86_cpu *c, struct cpage *p)
{
	struct cpage **pp = &c->cpages[p->gfn & (CPAGE_HASH - 1)];

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	c->ncpages--;
	code_bytes_add(c, -(int64_t)sizeof(*p));
	free(p);
}

static uint64_t chunk_bits(uint64_t from, uint64_t to)	/* page offsets [from, to) */
{
	unsigned a = from >> 6, b = (to - 1) >> 6;

	return (b >= 63 ? ~0ull : (1ull << (b + 1)) - 1) & ~((1ull << a) - 1);
}

/* Take a block out of the lookup structures; it is freed at the next dispatch. */
static void block_kill(struct x86_cpu *c, struct block *b)
{
	struct block **pp = &c->bhash[bhash(b->pa, b->eip, b->mode)];
	unsigned j = jc_index(b->eip);

	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
	if (c->jc[j] == b)
		c->jc[j] = NULL;
	b->hnext = c->dead;
	c->dead = b;
	/* the instruction running now may have written its own block: the
	 * next one (the block is freed only at the next dispatch) ends it */
	if (c->first >= b->insn && c->first < b->insn + b->n) {
		c->stop = c->cur + 1;
		((struct insn *)c->cur)[1].fn = h_block_end;
	}
}

static void unlink_from(struct block **head, struct block *b, int second)
{
	while (*head && *head != b)
		head = second ? &(*head)->pnext2 : &(*head)->pnext;
	if (*head)
		*head = second ? b->pnext2 : b->pnext;
}

static void page_drop_blocks(struct x86_cpu *c, struct cpage *p)
{
	struct block *b, *n;
	struct cpage *o;

	for (b = p->blocks; b; b = n) {
		n = b->pnext;
		if ((b->pa_last >> PAGE_SHIFT) != p->gfn && (o = cpage_find(c, b->pa_last >> PAGE_SHIFT)))
			unlink_from(&o->blocks2, b, 1);
		block_kill(c, b);
	}
	for (b = p->blocks2; b; b = n) {
		n = b->pnext2;
		if ((o = cpage_find(c, b->pa >> PAGE_SHIFT)))
			unlink_from(&o->blocks, b, 0);
		block_kill(c, b);
	}
	p->blocks = p->blocks2 = NULL;
}

/* One block out of its pages' lists and the lookup structures. */
static void block_drop(struct x86_cpu *c, struct block *b)
{
	struct cpage *p;

	if ((p = cpage_find(c, b->pa >> PAGE_SHIFT)))
		unlink_from(&p->blocks, b, 0);
	if ((b->pa_last >> PAGE_SHIFT) != (b->pa >> PAGE_SHIFT) && (p = cpage_find(c, b->pa_last >> PAGE_SHIFT)))
		unlink_from(&p->blocks2, b, 1);
	block_kill(c, b);
}

/*
 * A block is found by the physical address of its first byte; one whose
 * last instruction spills onto the next page is only good while that page
 * still maps to the frame it was decoded from.
 */
static int spill_still_mapped(struct x86_cpu *c, const struct block *b, uint64_t lin)
{
	uint64_t next = (lin & PAGE_MASK) + PAGE_SIZE, pa2;

	if ((b->pa_last >> PAGE_SHIFT) == (b->pa >> PAGE_SHIFT))
		return 1;
	if (!(c->mode & MODE_LONG))
		next = (uint32_t)next;
	return mem_fetch_ptr_nofault(c, next, &pa2) && (pa2 >> PAGE_SHIFT) == (b->pa_last >> PAGE_SHIFT);
}

void blocks_page_written(struct x86_cpu *c, uint64_t gfn, uint64_t off, unsigned len)
{
	struct cpage *p = cpage_find(c, gfn);

	if (!p || !(p->chunks & chunk_bits(off, off + len)))
		return;
	c->v->astat[X86_STAT_CODE_WRITES]++;
	page_drop_blocks(c, p);
	cpage_remove(c, p);
	/* neighbours whose only blocks were the ones that spilled here */
	for (int d = -1; d <= 1; d += 2) {
		struct cpage *o = cpage_find(c, gfn + d);

		if (o && !o->blocks && !o->blocks2)
			cpage_remove(c, o);
	}
}

void blocks_free_dead(struct x86_cpu *c)
{
	while (c->dead) {
		struct block *b = c->dead;

		c->dead = b->hnext;
		code_bytes_add(c, -(int64_t)block_size(b->n));
		free(b);
	}
}

void blocks_flush(struct x86_cpu *c)
{
	for (unsigned h = 0; h < CPAGE_HASH; h++)
		while (c->cpages[h]) {
			page_drop_blocks(c, c->cpages[h]);
			cpage_remove(c, c->cpages[h]);
		}
	/* blocks not on any page list cannot exist, but the hash is the truth */
	for (unsigned h = 0; h < BHASH_SIZE; h++)
		while (c->bhash[h])
			block_kill(c, c->bhash[h]);
	memset(c->jc, 0, sizeof(c->jc));
}

/* Decode a block starting at the current cs:eip. */
static struct block *block_decode(struct x86_cpu *c, uint64_t lin, uint64_t pa,
				  const uint8_t *p, int *err)
{
	struct insn tmp[BLOCK_MAX];
	uint64_t eip = c->s.rip, page = lin & PAGE_MASK;
	unsigned n = 0, used = 0;
	int end;
	struct fetcher f;
	struct block *b;
	struct cpage *cp, *cp2 = NULL;
	uint64_t pa2 = 0, pa_last;

	while (n < BLOCK_MAX) {
		struct insn *i = &tmp[n];
		uint64_t l = c->mode & MODE_LONG ? lin + used : (uint32_t)(lin + used);

		if ((l & PAGE_MASK) != page)
			break;
		memset(&f, 0, sizeof(f));
		f.c = c;
		f.lin = l;
		f.p = p + used;
		f.avail = PAGE_SIZE - (l & ~PAGE_MASK);
		if (f.avail < 15) {
			f.p2 = mem_fetch_ptr_nofault(c, (l & PAGE_MASK) + PAGE_SIZE, &pa2);
			f.avail2 = f.p2 ? PAGE_SIZE : 0;
		}
		x86_decode(&f, c->mode, eip, i);
		if (f.fail) {
			if (!n) {
				/* the instruction needs the next page: its #PF, if it has one */
				if (f.avail < 15 && !f.p2)
					mem_fetch_ptr(c, (l & PAGE_MASK) + PAGE_SIZE, &pa2);
				*err = 1;
				return NULL;
			}
			break;
		}
		used += i->len;
		eip = i->next;
		i->idx = n++;
		end = f.crossed || insn_ends_block(i);
		insn_fast(i);
		if (end)
			break;
	}
	/*
	 * A full cache starts over: a guest that jumps into every byte of a
	 * sled would otherwise grow it without end.  Nothing executes a block
	 * between two blocks (block_get's callers), so all of it goes now.
	 */
	if (c->code_bytes + block_size(n) + 2 * sizeof(*cp) > vcpu_code_budget(c->v->vm)) {
		blocks_flush(c);
		blocks_free_dead(c);
		c->v->astat[X86_STAT_BLOCK_FLUSHES]++;
	}
	b = malloc(block_size(n));
	cp = cpage_get(c, pa >> PAGE_SHIFT);
	pa_last = pa + used - 1;
	if ((pa_last >> PAGE_SHIFT) != (pa >> PAGE_SHIFT)) {
		pa_last = (pa2 & PAGE_MASK) | (pa_last & ~PAGE_MASK);
		cp2 = cpage_get(c, pa_last >> PAGE_SHIFT);
	}
	if (!b || !cp || (pa_last >> PAGE_SHIFT != pa >> PAGE_SHIFT && !cp2)) {
		free(b);
		*err = 2;
		return NULL;
	}
	b->pa = pa;
	b->eip = c->s.rip;
	b->cs_base = c->s.seg[SEG_CS].base;
	b->mode = c->mode;
	b->n = n;
	b->pa_last = pa_last;
	memcpy(b->insn, tmp, n * sizeof(struct insn));
	b->insn[n] = (struct insn){ .fn = h_block_end, .ip = eip, .idx = n };
	if (cp2) {
		cp->chunks |= chunk_bits(pa & ~PAGE_MASK, PAGE_SIZE);
		cp2->chunks |= chunk_bits(0, (pa_last & ~PAGE_MASK) + 1);
		b->pnext2 = cp2->blocks2;
		cp2->blocks2 = b;
	} else {
		cp->chunks |= chunk_bits(pa & ~PAGE_MASK, (pa & ~PAGE_MASK) + used);
	}
	b->pnext = cp->blocks;
	cp->blocks = b;
	code_bytes_add(c, block_size(n));
	c->v->astat[X86_STAT_BLOCKS]++;
	return b;
}

/* The sentinel after a block's last instruction, also put over the next
 * instruction of a block that wrote itself: continue at this address. */
int h_block_end(struct x86_cpu *c, const struct insn *i)
{
	c->s.rip = i->ip;
	return BLOCK_END;
}

struct block *block_get(struct x86_cpu *c, int *err)
{
	uint64_t eip = c->s.rip, csb = c->s.seg[SEG_CS].base, pa;
	/* 64-bit code ignores the CS base and is not truncated to 32 bits */
	uint64_t lin = c->mode & MODE_LONG ? eip : (uint32_t)(csb + eip);
	struct block *b = c->jc[jc_index(eip)];
	const uint8_t *p;
	unsigned h;

	if (b && b->eip == eip && b->cs_base == csb && b->mode == c->mode && b->jc_gen == c->jc_gen)
		return b;
	p = mem_fetch_ptr(c, lin, &pa);
	if (!p) {
		*err = 1;
		return NULL;
	}
	h = bhash(pa, eip, c->mode);
	for (b = c->bhash[h]; b; b = b->hnext)
		if (b->pa == pa && b->eip == eip && b->cs_base == csb && b->mode == c->mode)
			break;
	/* the jump cache is cleared with the soft TLB, so only this path checks */
	if (b && !spill_still_mapped(c, b, lin)) {
		block_drop(c, b);
		b = NULL;
	}
	if (!b) {
		b = block_decode(c, lin, pa, p, err);
		if (!b)
			return NULL;
		b->hnext = c->bhash[h];
		c->bhash[h] = b;
	}
	c->jc[jc_index(eip)] = b;
	b->jc_gen = c->jc_gen;
	return b;
}
