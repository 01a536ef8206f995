/*
 * The KVM PowerPC paravirtual interface, as KVM's BookE port offers it.
 *
 * A guest finds /hypervisor in its device tree (fdt.c), calls the
 * hypervisor with `sc` while MSR[PR]=0 and r0 = "KVM!" (r11 = token,
 * r3-r10 in; r3 = status and r4-r11 out), asks with
 * KVM_HC_PPC_MAP_MAGIC_PAGE for the magic page (struct
 * kvm_vcpu_arch_shared) at an effective and a physical address, and then
 * reads and writes its MSR, SPRGs, SRRs, DEAR and ESR as plain memory there
 * instead of trapping.
 *
 * Invariant: while the page is mapped it holds the authoritative values;
 * the copies in struct ppc are pulled from it before any trap or interrupt
 * uses them and pushed back when they change.  Between those points the
 * guest may change the page freely, as it does in KVM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ppc.h"
#include "vmm/exit.h"
#include "vmm/memslot.h"
#include "vmm/vcpu.h"

#define HC_MAGIC_R0 0x4b564d21u		/* "KVM!" */
#define HC_TOKEN(vendor, nr) ((vendor) << 16 | (nr))
#define HC_KVM_FEATURES HC_TOKEN(42, 3)
#define HC_KVM_MAP_MAGIC HC_TOKEN(42, 4)
#define HC_EV_IDLE HC_TOKEN(1, 16)
#define EV_SUCCESS 0
#define EV_UNIMPLEMENTED 12
#define KVM_FEATURE_MAGIC_PAGE 1
#define KVM_MAGIC_FEAT_SR 1
#define KVM_MAGIC_FEAT_MAS0_TO_SPRG7 2
#define OSI_R3 0x113724fau		/* Mac-on-Linux's OSI call */
#define OSI_R4 0x77810f9bu

static uint32_t get(struct ppc *c, unsigned off64)
{
	return be32(c->magic + off64 + 4);
}

static void put(struct ppc *c, unsigned off64, uint32_t v)
{
	put_be32(c->magic + off64, 0);
	put_be32(c->magic + off64 + 4, v);
}

void pv_pull(struct ppc *c)
{
	uint32_t msr;

	if (likely(!c->magic))
		return;
	for (int i = 0; i < 4; i++) {
		c->sprg[i] = get(c, MAGIC_SPRG0 + 8 * i);
		c->sprg[4 + i] = get(c, MAGIC_SPRG4 + 8 * i);
	}
	c->srr0 = get(c, MAGIC_SRR0);
	c->srr1 = get(c, MAGIC_SRR1);
	c->dear = get(c, MAGIC_DAR);
	c->esr = be32(c->magic + MAGIC_ESR);
	msr = get(c, MAGIC_MSR) & MSR_MASK;
	if (msr != c->msr)
		ppc_set_msr(c, msr);
}

void pv_push(struct ppc *c)
{
	if (likely(!c->magic))
		return;
	for (int i = 0; i < 4; i++) {
		put(c, MAGIC_SPRG0 + 8 * i, c->sprg[i]);
		put(c, MAGIC_SPRG4 + 8 * i, c->sprg[4 + i]);
	}
	put(c, MAGIC_SRR0, c->srr0);
	put(c, MAGIC_SRR1, c->srr1);
	put(c, MAGIC_DAR, c->dear);
	put(c, MAGIC_MSR, c->msr);
	put_be32(c->magic + MAGIC_ESR, c->esr);
	put_be32(c->magic + MAGIC_PIR, c->pir);
}

/* The guest's critical section: interrupts wait while its low word equals r1 in supervisor mode. */
bool pv_critical(struct ppc *c)
{
	return c->magic && !(pv_msr(c) & MSR_PR) && get(c, MAGIC_CRITICAL) == c->gpr[1];
}

void pv_set_int_pending(struct ppc *c, bool pending)
{
	if (c->magic && be32(c->magic + MAGIC_INT_PENDING) != pending)
		put_be32(c->magic + MAGIC_INT_PENDING, pending);
}

uint8_t *pv_magic_at(struct ppc *c, uint32_t ea, int acc)
{
	if (acc == ACC_X || (c->msr & MSR_PR) || (ea & ~0xfffu) != c->magic_ea)
		return NULL;
	return c->magic + (ea & 0xfff);
}

/* Where the magic page lives: the guest's RAM page at its physical address, or our own. */
static void magic_home(struct ppc *c)
{
	struct memslot *s = memslots_find(&c->vm->slots, c->magic_gpa);
	uint8_t *h = s && !(s->flags & MEMSLOT_READONLY) ? memslot_hva(s, c->magic_gpa, PAGE_SIZE) : NULL;

	c->magic_in_ram = h != NULL;
	c->magic = h ? h : c->magic_own;
	if (h) {
		memslot_mark_dirty(s, c->magic_gpa);
		code_invalidate(c, c->magic_gpa, PAGE_SIZE);
	}
}

static void map_magic(struct ppc *c, uint32_t pa, uint32_t ea)
{
	c->magic_gpa = pa & ~0xfffu;
	c->magic_ea = ea & ~0xfffu;
	magic_home(c);
	memset(c->magic, 0, PAGE_SIZE);
	pv_push(c);
	soft_flush(c);		/* the page now hides whatever the guest TLB mapped there */
}

void pv_slots_changed(struct ppc *c)
{
	if (c->magic) {
		/* the old home may be gone: re-home the page, from the CPU's copies */
		magic_home(c);
		pv_push(c);
	}
}

static int user_exit(struct ppc *c, enum exit_reason why)
{
	struct vcpu_exit *e = &c->v->exit;

	vcpu_set_exit(c->v, why);
	e->needs_completion = true;
	if (why == EXIT_OSI) {
		for (int i = 0; i < 32; i++)
			e->osi.gprs[i] = c->gpr[i];
	} else {
		e->hypercall.nr = c->gpr[11];
		for (int i = 0; i < 8; i++) {
			e->hypercall.args[i] = c->gpr[3 + i];
			e->hypercall.out[i] = c->gpr[4 + i];
		}
		e->hypercall.ret = EV_UNIMPLEMENTED;
	}
	c->user_call = why;
	ppc_stop(c);
	return 0;	/* the sc retires; the run ends after it */
}

/* A run starts after a user exit: what userspace wrote to `exit` becomes the registers. */
void pv_complete(struct ppc *c)
{
	const struct vcpu_exit *e = &c->v->exit;

	if (likely(!c->user_call))
		return;
	if (e->reason == EXIT_OSI && c->user_call == EXIT_OSI) {
		for (int i = 0; i < 32; i++)
			c->gpr[i] = e->osi.gprs[i];
	} else if (e->reason == EXIT_HYPERCALL && c->user_call == EXIT_HYPERCALL) {
		c->gpr[3] = e->hypercall.ret;
		for (int i = 0; i < 8; i++)
			c->gpr[4 + i] = e->hypercall.out[i];
	}
	c->user_call = 0;
}

static int hypercall(struct ppc *c)
{
	struct ppc_vm *p = PPCVM(c->vm);
	uint32_t r3 = EV_SUCCESS, r4 = 0;

	switch (c->gpr[11]) {
	case HC_KVM_FEATURES:
		PSTAT(c, HC_FEATURES);
		r4 = 1u << KVM_FEATURE_MAGIC_PAGE;
		break;
	case HC_KVM_MAP_MAGIC:
		PSTAT(c, HC_MAP_MAGIC);
		map_magic(c, c->gpr[3], c->gpr[4]);
		r4 = KVM_MAGIC_FEAT_SR | KVM_MAGIC_FEAT_MAS0_TO_SPRG7;
		break;
	case HC_EV_IDLE:
		PSTAT(c, HC_IDLE);
		c->gpr[3] = EV_SUCCESS;
		c->pv_idle = true;
		c->pc += 4;
		ppc_resync(c);
		return R_JUMP;
	default:
		if (__atomic_load_n(&p->cap_hcall_exit, __ATOMIC_RELAXED)) {
			PSTAT(c, HC_EXIT);
			return user_exit(c, EXIT_HYPERCALL);
		}
		PSTAT(c, HC_UNIMPL);
		c->gpr[3] = EV_UNIMPLEMENTED;
		return 0;
	}
	c->gpr[3] = r3;
	c->gpr[4] = r4;
	return 0;
}

int pv_sc(struct ppc *c)
{
	struct ppc_vm *p = PPCVM(c->vm);

	if (__atomic_load_n(&p->cap_osi, __ATOMIC_RELAXED) && c->gpr[3] == OSI_R3 && c->gpr[4] == OSI_R4) {
		PSTAT(c, OSI);
		user_exit(c, EXIT_OSI);
		c->pc += 4;
		return R_JUMP;
	}
	if (!p->pv_off && !(c->msr & MSR_PR) && c->gpr[0] == HC_MAGIC_R0) {
		int r = hypercall(c);

		if (r)
			return r;
		c->pc += 4;
		return R_JUMP;
	}
	return 0;
}

static const char *const caps[] = { "osi", "hcall-exit" };

int ppc_enable_cap(struct vm *vm, const char *name, char *why, size_t whylen)
{
	struct ppc_vm *p = PPCVM(vm);

	/* the vcpus may be running: they read these between instructions */
	if (!strcmp(name, caps[0])) {
		__atomic_store_n(&p->cap_osi, true, __ATOMIC_RELAXED);
		return 0;
	}
	if (!strcmp(name, caps[1])) {
		__atomic_store_n(&p->cap_hcall_exit, true, __ATOMIC_RELAXED);
		return 0;
	}
	snprintf(why, whylen, "%s: unknown capability; ppc440 has %s and %s", name, caps[0], caps[1]);
	return -EINVAL;
}
