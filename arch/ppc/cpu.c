/* The 440 core's mode: MSR, translation context, reset state. */
#include <stddef.h>
#include <string.h>

#include "ppc.h"

/* The context half of the soft-TLB tags: PID, TS and PR, above the page bits. */
void ppc_update_ctx(struct ppc *c)
{
	uint64_t pr = !!(c->msr & MSR_PR) << 9;

	c->ctx_d = (pr | (uint64_t)!!(c->msr & MSR_DS) << 8 | c->pid) << 32;
	c->ctx_i = (pr | (uint64_t)!!(c->msr & MSR_IS) << 8 | c->pid) << 32;
}

void ppc_set_msr(struct ppc *c, uint32_t msr)
{
	c->msr = msr & MSR_MASK;
	ppc_update_ctx(c);
	ppc_resync(c);
}

/* The core after a reset: everything zero except what the 440 sets. */
void ppc_reset(struct ppc *c)
{
	struct vcpu *v = c->v;
	struct vm *vm = c->vm;

	code_drop_all(c);
	memset(c, 0, offsetof(struct ppc, code));
	c->v = v;
	c->vm = vm;
	c->pc = 0xfffffffc;
	c->pir = 0;
	tlb_reset(c);
	/* the 440 comes out of reset with one 4 KiB entry over its reset vector */
	c->gtlb[0].w0 = 0xfffff000u | TLB0_V | (1 << 4);
	c->gtlb[0].w1 = 0xfffff000u;
	c->gtlb[0].w2 = TLB2_SX | TLB2_SR | TLB2_SW | TLB2_I | TLB2_G;
	ppc_set_msr(c, 0);
	c->tb_offset = -(int64_t)(ppc_now_ns() / 5 * 2);
	ppc_tcr_write(c, 0);
	c->tsr = 0;
}
