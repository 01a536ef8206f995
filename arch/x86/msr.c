/*
 * Model-specific registers: rdmsr/wrmsr and the checks the CPU makes.
 * An MSR this CPU does not have is #GP(0), as are reserved bits and
 * non-canonical addresses; so a guest probing for an MSR learns the truth.
 * The MSRs of a feature exist as cpuid says: userspace that hides MTRR,
 * MCA, or shows SPEC_CTRL through the cpuid file changes them too.  The
 * read-only ones (PLATFORM_ID, MTRRcap, MCG_CAP, ARCH_CAPABILITIES) are
 * #GP on a write.
 */
#include <time.h>

#include "exec.h"
#include "mmu.h"
#include "walk.h"

enum {
	MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_APIC_BASE = 0x1b, MSR_SPEC_CTRL = 0x48,
	MSR_PRED_CMD = 0x49, MSR_BIOS_SIGN_ID = 0x8b, MSR_MTRRCAP = 0xfe, MSR_ARCH_CAPABILITIES = 0x10a,
	MSR_MCG_CAP = 0x179, MSR_MCG_STATUS = 0x17a, MSR_MTRR_PHYS0 = 0x200, MSR_MTRR_FIX64K = 0x250,
	MSR_MTRR_FIX16K = 0x258, MSR_MTRR_FIX4K = 0x268, MSR_MTRR_DEF_TYPE = 0x2ff,
	MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
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

/* An MTRR memory type: UC, WC, WT, WP or WB (7, UC-, is PAT's alone). */
static int mtrr_type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* The fixed-range MTRRs in IA32_MTRR_FIX64K_00000 .. FIX4K_F8000 order, or -1. */
static int mtrr_fixed_index(uint32_t idx)
{
	if (idx == MSR_MTRR_FIX64K)
		return 0;
	if (idx == MSR_MTRR_FIX16K || idx == MSR_MTRR_FIX16K + 1)
		return 1 + idx - MSR_MTRR_FIX16K;
	if (idx >= MSR_MTRR_FIX4K && idx < MSR_MTRR_FIX4K + 8)
		return 3 + idx - MSR_MTRR_FIX4K;
	return -1;
}

/* 8 variable ranges, the fixed ranges and write-combining (MTRRcap VCNT, FIX, WC). */
#define MTRR_VCNT 8
#define MTRRCAP (MTRR_VCNT | 1u << 8 | 1u << 10)
/* MCG_CAP: no banks, no MCG_CTL; MCG_STATUS has RIPV, EIPV, MCIP */
#define MCG_STATUS_BITS 7u
/* SPEC_CTRL: IBRS, STIBP, SSBD; PRED_CMD: IBPB */
#define SPEC_CTRL_BITS 7u
/* ARCH_CAPABILITIES: RDCL_NO, SSB_NO, MDS_NO, PSCHANGE_MC_NO, TAA_NO: nothing here speculates */
#define ARCH_CAP_VALUE (1u << 0 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 8)
/* what KVM reports as the microcode revision (the upper half of BIOS_SIGN_ID) */
#define MICROCODE_REV 0x100000000ull

/* Some MSRs exist only where cpuid says so. */
#define HAS_MTRR(c) x86_cpuid_has(c, 1, 3, 12)
#define HAS_MCA(c) x86_cpuid_has(c, 1, 3, 14)
#define HAS_SPEC_CTRL(c) x86_cpuid_has(c, 7, 3, 26)
#define HAS_ARCH_CAP(c) x86_cpuid_has(c, 7, 3, 29)

/* The variable-range MTRR pair registers: base (type, address) and mask (valid, address). */
static uint64_t mtrr_var_reserved(unsigned n)
{
	uint64_t addr = ((1ull << MAXPHYADDR) - 1) & ~0xfffull;

	return n & 1 ? ~(addr | 1ull << 11) : ~(addr | 0xff);
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
	case MSR_PLATFORM_ID: *v = 0; break;	/* platform 0 of bits 52:50 */
	case MSR_BIOS_SIGN_ID: *v = MICROCODE_REV; break;
	case MSR_MCG_CAP: if (!HAS_MCA(c)) return -1; *v = 0; break;
	case MSR_MCG_STATUS: if (!HAS_MCA(c)) return -1; *v = s->mcg_status; break;
	case MSR_SPEC_CTRL: if (!HAS_SPEC_CTRL(c)) return -1; *v = s->spec_ctrl; break;
	case MSR_ARCH_CAPABILITIES: if (!HAS_ARCH_CAP(c)) return -1; *v = ARCH_CAP_VALUE; break;
	case MSR_MTRRCAP: if (!HAS_MTRR(c)) return -1; *v = MTRRCAP; break;
	case MSR_MTRR_DEF_TYPE: if (!HAS_MTRR(c)) return -1; *v = s->mtrr_def_type; break;
	case MSR_MTRR_PHYS0 ... MSR_MTRR_PHYS0 + 2 * MTRR_VCNT - 1:
		if (!HAS_MTRR(c))
			return -1;
		*v = s->mtrr_var[idx - MSR_MTRR_PHYS0];
		break;
	default:
		if (mtrr_fixed_index(idx) < 0 || !HAS_MTRR(c))
			return -1;
		*v = s->mtrr_fixed[mtrr_fixed_index(idx)];
		break;
	}
	return 0;
}

/* The MTRRs: reserved bits and memory types refused as on the CPU. */
static int mtrr_write(struct x86_cpu *c, uint32_t idx, uint64_t v)
{
	struct x86_state *s = &c->s;
	int k = mtrr_fixed_index(idx);

	if (!HAS_MTRR(c))
		return -1;
	if (idx == MSR_MTRR_DEF_TYPE) {
		if ((v & ~0xcffull) || !mtrr_type_ok(v & 0xff))
			return -1;
		s->mtrr_def_type = v;
		return 0;
	}
	if (k >= 0) {
		for (int b = 0; b < 8; b++)
			if (!mtrr_type_ok(v >> (8 * b) & 0xff))
				return -1;
		s->mtrr_fixed[k] = v;
		return 0;
	}
	k = idx - MSR_MTRR_PHYS0;
	if ((v & mtrr_var_reserved(k)) || (!(k & 1) && !mtrr_type_ok(v & 0xff)))
		return -1;
	s->mtrr_var[k] = v;
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
	/* Linux writes 0 before cpuid to have the revision loaded: any value is accepted */
	case MSR_BIOS_SIGN_ID: return 0;
	case MSR_MCG_STATUS:
		if (!HAS_MCA(c) || (v & ~(uint64_t)MCG_STATUS_BITS))
			return -1;
		s->mcg_status = v;
		return 0;
	case MSR_SPEC_CTRL:
		if (!HAS_SPEC_CTRL(c) || (v & ~(uint64_t)SPEC_CTRL_BITS))
			return -1;
		s->spec_ctrl = v;
		return 0;
	case MSR_PRED_CMD:	/* a barrier with nothing to order */
		return HAS_SPEC_CTRL(c) && !(v & ~1ull) ? 0 : -1;
	case MSR_MTRR_DEF_TYPE:
	case MSR_MTRR_PHYS0 ... MSR_MTRR_PHYS0 + 2 * MTRR_VCNT - 1:
		return mtrr_write(c, idx, v);
	default:
		return mtrr_fixed_index(idx) >= 0 ? mtrr_write(c, idx, v) : -1;
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
