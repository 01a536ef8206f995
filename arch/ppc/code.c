/*
 * Decoded code, cached per guest-physical page.  Decoding does not depend
 * on the translation context (privilege is checked when an instruction
 * runs), so the physical page is the whole key; the fetch side of the soft
 * TLB maps (virtual page, PID, IS, PR) onto it.
 *
 * A slot is decoded the first time it runs (op_decode).  Invalidation
 * resets the slots in place rather than freeing the page, so the page being
 * executed stays valid memory: the next instruction is simply decoded again
 * from what is in memory now.
 */
#include <stdlib.h>

#include "ppc.h"
#include "vmm/memslot.h"
#include "vmm/vcpu.h"

static unsigned hash(uint64_t gpa)
{
	return (gpa >> PAGE_SHIFT) & (CODE_HASH - 1);
}

struct code_page *code_find(struct ppc *c, uint64_t gpa)
{
	struct code_page *p = c->code[hash(gpa)];

	while (p && p->gpa != gpa)
		p = p->hnext;
	return p;
}

static void reset_slots(struct code_page *p)
{
	for (unsigned i = 0; i < 1024; i++)
		p->ops[i].fn = op_decode;
	p->ndecoded = 0;
}

/* NULL only when out of memory. */
struct code_page *code_get(struct ppc *c, uint64_t gpa, uint8_t *host)
{
	struct code_page *p = code_find(c, gpa);

	if (p) {
		p->host = host;
		return p;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	p->gpa = gpa;
	p->host = host;
	reset_slots(p);
	p->hnext = c->code[hash(gpa)];
	c->code[hash(gpa)] = p;
	return p;
}

static void inval_page(struct ppc *c, struct code_page *p)
{
	if (p->ndecoded) {
		reset_slots(p);
		PSTAT(c, CODE_INVAL);
	}
}

void code_invalidate(struct ppc *c, uint64_t gpa, uint64_t len)
{
	uint64_t first = gpa & PAGE_MASK, end = gpa + len;

	if (!c->code_any || !len)
		return;
	if (end < gpa || (end - first) / PAGE_SIZE > CODE_HASH) {
		for (unsigned h = 0; h < CODE_HASH; h++)
			for (struct code_page *p = c->code[h]; p; p = p->hnext)
				if (p->gpa + PAGE_SIZE > gpa && (end < gpa || p->gpa < end))
					inval_page(c, p);
		return;
	}
	for (uint64_t a = first; a < end; a += PAGE_SIZE) {
		struct code_page *p = code_find(c, a);

		if (p)
			inval_page(c, p);
	}
}

/* Free everything (host mappings changed).  Never while a page is being executed. */
void code_drop_all(struct ppc *c)
{
	for (unsigned h = 0; h < CODE_HASH; h++) {
		struct code_page *p = c->code[h], *n;

		for (; p; p = n) {
			n = p->hnext;
			free(p);
		}
		c->code[h] = NULL;
	}
	c->code_any = false;
	c->cur_cp = NULL;
	soft_flush(c);		/* fetch entries point at pages */
}
