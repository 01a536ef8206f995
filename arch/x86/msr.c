/*
 * Model-specific registers: rdmsr/wrmsr and the checks the CPU makes.
 * An MSR this CPU does not have is #GP(0), as are reserved bits and
 * non-canonical addresses; so a guest probing for an MSR learns the truth.
 */
#include <time.h>

#include "exec.h"
#include "mmu.h"

enum {
	MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
	MSR_SYSENTER_EIP = 0x176, MSR_MISC_ENABLE = 0x1a0, MSR_PAT = 0x277,
	MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
	MSR_CSTAR = 0xc0000083, MSR_FMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100,
	MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102, MSR_TSC_AUX = 0xc0000103,
};

#define APIC_BASE_FLAGS 0xd00u	/* BSP, x2APIC enable, global enable */
/* MISC_ENABLE bits a guest may change: fast strings, and nothing it could rely on otherwise */
#define MISC_ENABLE_FAST_STRING 1u

static inline int canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The TSC counts nanoseconds from tsc_base: a 1 GHz clock. */
uint64_t x86_tsc(struct x86_cpu *c)
{
	return now_ns() - c->tsc_base;
}

void x86_tsc_set(struct x86_cpu *c, uint64_t v)
{
	c->tsc_base = now_ns() - v;
}

/* Each of the 8 PAT entries is a memory type 0, 1, 4, 5, 6 or 7. */
static int pat_ok(uint64_t v)
{
	for (int k = 0; k < 8; k++) {
		unsigned t = (v >> (8 * k)) & 0xff;

		if (t > 7 || t == 2 || t == 3)
			return 0;
	}
	return 1;
}

int msr_read(struct x86_cpu *c, uint32_t idx, uint64_t *v)
{
	const struct x86_state *s = &c->s;

	switch (idx) {
	case MSR_TSC: *v = x86_tsc(c); break;
	case MSR_APIC_BASE: *v = s->apic_base; break;
	case MSR_SYSENTER_CS: *v = s->sysenter_cs; break;
	case MSR_SYSENTER_ESP: *v = s->sysenter_esp; break;
	case MSR_SYSENTER_EIP: *v = s->sysenter_eip; break;
	case MSR_MISC_ENABLE: *v = s->misc_enable; break;
	case MSR_PAT: *v = s->pat; break;
	case MSR_EFER: *v = s->efer; break;
	case MSR_STAR: *v = s->star; break;
	case MSR_LSTAR: *v = s->lstar; break;
	case MSR_CSTAR: *v = s->cstar; break;
	case MSR_FMASK: *v = s->fmask; break;
	case MSR_FS_BASE: *v = s->seg[SEG_FS].base; break;
	case MSR_GS_BASE: *v = s->seg[SEG_GS].base; break;
	case MSR_KERNEL_GS_BASE: *v = s->kernel_gs_base; break;
	case MSR_TSC_AUX: *v = s->tsc_aux; break;
	default: return -1;
	}
	return 0;
}

/* EFER: SCE, LME, NXE writable; LMA follows CR0.PG and is kept; LME is
 * fixed while paging is on. */
static int efer_write(struct x86_cpu *c, uint64_t v)
{
	uint64_t keep = c->s.efer & EFER_LMA;

	if (v & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return -1;
	if ((c->s.cr0 & CR0_PG) && ((v ^ c->s.efer) & EFER_LME))
		return -1;
	v = (v & ~(uint64_t)EFER_LMA) | keep;
	keep = c->s.efer;
	c->s.efer = v;
	mmu_paging_update(c, c->s.cr0, c->s.cr4, keep);
	return 0;
}

int msr_write(struct x86_cpu *c, uint32_t idx, uint64_t v)
{
	struct x86_state *s = &c->s;

	switch (idx) {
	case MSR_TSC: x86_tsc_set(c, v); return 0;
	case MSR_APIC_BASE:
		if ((v & 0xfff & ~APIC_BASE_FLAGS) || v >> 40)
			return -1;
		s->apic_base = v;
		return 0;
	case MSR_SYSENTER_CS: s->sysenter_cs = v & 0xffff; return 0;
	case MSR_SYSENTER_ESP: if (!canonical(v)) return -1; s->sysenter_esp = v; return 0;
	case MSR_SYSENTER_EIP: if (!canonical(v)) return -1; s->sysenter_eip = v; return 0;
	case MSR_MISC_ENABLE:
		s->misc_enable = (s->misc_enable & ~(uint64_t)MISC_ENABLE_FAST_STRING) | (v & MISC_ENABLE_FAST_STRING);
		return 0;
	case MSR_PAT: if (!pat_ok(v)) return -1; s->pat = v; return 0;
	case MSR_EFER: return efer_write(c, v);
	case MSR_STAR: s->star = v; return 0;
	case MSR_LSTAR: if (!canonical(v)) return -1; s->lstar = v; return 0;
	case MSR_CSTAR: if (!canonical(v)) return -1; s->cstar = v; return 0;
	case MSR_FMASK: s->fmask = (uint32_t)v; return 0;
	case MSR_FS_BASE: if (!canonical(v)) return -1; s->seg[SEG_FS].base = v; return 0;
	case MSR_GS_BASE: if (!canonical(v)) return -1; s->seg[SEG_GS].base = v; return 0;
	case MSR_KERNEL_GS_BASE: if (!canonical(v)) return -1; s->kernel_gs_base = v; return 0;
	case MSR_TSC_AUX: if (v >> 32) return -1; s->tsc_aux = v; return 0;
	default: return -1;
	}
}

int h_rdmsr(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v;

	(void)i;
	if (c->cpl || msr_read(c, c->s.gpr[RCX], &v))
		x86_fault(c, EXC_GP, 1, 0);
	c->s.gpr[RAX] = (uint32_t)v;
	c->s.gpr[RDX] = v >> 32;
	return 0;
}

/* Ends the block: EFER and the segment bases matter to what follows. */
int h_wrmsr(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = (c->s.gpr[RDX] << 32) | (uint32_t)c->s.gpr[RAX];

	if (c->cpl || msr_write(c, c->s.gpr[RCX], v))
		x86_fault(c, EXC_GP, 1, 0);
	x86_mode_update(c);
	c->s.rip = i->next;
	return 1;
}
