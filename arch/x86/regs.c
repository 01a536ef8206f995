/*
 * The x86 state files as data: regs, sregs, events, debugregs and msrs are
 * tables over one struct x86_state.  get() materialises the lazy flags and
 * the TSC; set() checks the whole state and then applies it in one go.
 * The cpuid file is a table of leaves (cpuid.c has the model).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cpu.h"
#include "mmu.h"

#define S struct x86_state
#define D REG_DEC

static const struct reg_desc regs_fields[] = {
	REG(S, gpr[RAX], "rax", 0), REG(S, gpr[RBX], "rbx", 0), REG(S, gpr[RCX], "rcx", 0),
	REG(S, gpr[RDX], "rdx", 0), REG(S, gpr[RSI], "rsi", 0), REG(S, gpr[RDI], "rdi", 0),
	REG(S, gpr[RSP], "rsp", 0), REG(S, gpr[RBP], "rbp", 0),
	REG(S, gpr[8], "r8", 0), REG(S, gpr[9], "r9", 0), REG(S, gpr[10], "r10", 0),
	REG(S, gpr[11], "r11", 0), REG(S, gpr[12], "r12", 0), REG(S, gpr[13], "r13", 0),
	REG(S, gpr[14], "r14", 0), REG(S, gpr[15], "r15", 0),
	REG(S, rip, "rip", 0), REG(S, rflags, "rflags", 0),
};

#define SEGF(n, i) \
	REG(S, seg[i].sel, n ".sel", 0), REG(S, seg[i].base, n ".base", 0), \
	REG(S, seg[i].limit, n ".limit", 0), REG(S, seg[i].type, n ".type", 0), \
	REG(S, seg[i].s, n ".s", D), REG(S, seg[i].dpl, n ".dpl", D), \
	REG(S, seg[i].p, n ".p", D), REG(S, seg[i].avl, n ".avl", D), \
	REG(S, seg[i].l, n ".l", D), REG(S, seg[i].db, n ".db", D), REG(S, seg[i].g, n ".g", D)

static const struct reg_desc sregs_fields[] = {
	SEGF("cs", SEG_CS), SEGF("ds", SEG_DS), SEGF("es", SEG_ES), SEGF("fs", SEG_FS),
	SEGF("gs", SEG_GS), SEGF("ss", SEG_SS), SEGF("tr", SEG_TR), SEGF("ldt", SEG_LDT),
	REG(S, gdt.base, "gdt.base", 0), REG(S, gdt.limit, "gdt.limit", 0),
	REG(S, idt.base, "idt.base", 0), REG(S, idt.limit, "idt.limit", 0),
	REG(S, cr0, "cr0", 0), REG(S, cr2, "cr2", 0), REG(S, cr3, "cr3", 0),
	REG(S, cr4, "cr4", 0), REG(S, cr8, "cr8", 0), REG(S, efer, "efer", 0),
	REG(S, apic_base, "apic_base", 0),
};

static const struct reg_desc events_fields[] = {
	REG(S, ev.exc_injected, "exception.injected", D), REG(S, ev.exc_nr, "exception.nr", 0),
	REG(S, ev.exc_has_error, "exception.has_error_code", D),
	REG(S, ev.exc_error, "exception.error_code", 0),
	REG(S, ev.int_injected, "interrupt.injected", D), REG(S, ev.int_nr, "interrupt.nr", 0),
	REG(S, ev.int_soft, "interrupt.soft", D), REG(S, ev.int_shadow, "interrupt.shadow", D),
	REG(S, ev.nmi_injected, "nmi.injected", D), REG(S, ev.nmi_pending, "nmi.pending", D),
	REG(S, ev.nmi_masked, "nmi.masked", D), REG(S, ev.sipi_vector, "sipi_vector", 0),
};

static const struct reg_desc debugregs_fields[] = {
	REG(S, dr[0], "db0", 0), REG(S, dr[1], "db1", 0), REG(S, dr[2], "db2", 0),
	REG(S, dr[3], "db3", 0), REG(S, dr6, "dr6", 0), REG(S, dr7, "dr7", 0),
};

/* The MSRs by their names; efer, apic_base and the fs/gs bases are also in sregs. */
static const struct reg_desc msrs_fields[] = {
	REG(S, tsc, "tsc", 0), REG(S, apic_base, "apic_base", 0),
	REG(S, sysenter_cs, "sysenter_cs", 0), REG(S, sysenter_esp, "sysenter_esp", 0),
	REG(S, sysenter_eip, "sysenter_eip", 0), REG(S, misc_enable, "misc_enable", 0),
	REG(S, pat, "pat", 0), REG(S, efer, "efer", 0), REG(S, star, "star", 0),
	REG(S, lstar, "lstar", 0), REG(S, cstar, "cstar", 0), REG(S, fmask, "fmask", 0),
	REG(S, seg[SEG_FS].base, "fs_base", 0), REG(S, seg[SEG_GS].base, "gs_base", 0),
	REG(S, kernel_gs_base, "kernel_gs_base", 0), REG(S, tsc_aux, "tsc_aux", 0),
};

static void state_get(struct vcpu *v, void *out)
{
	struct x86_cpu *c = x86_of(v);
	struct x86_state *st = out;

	*st = c->s;
	st->rflags = flags_get(c);
	st->ev.int_shadow = c->shadow;
	st->tsc = x86_tsc(c);
}

#define RFLAGS_OK (FL_WRITABLE | 2 | FL_VM | (1u << 19) | (1u << 20))
#define CR0_OK 0xe005003fu
#define CR4_OK (0x7fcu | CR4_SMEP | CR4_SMAP)	/* as mov to cr4 (exec_sys.c): no VME, PVI */
#define APIC_BASE_FLAGS 0xd00u	/* BSP, x2APIC enable, global enable */

static int canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static int __attribute__((format(printf, 4, 5))) bad(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

static int check_seg(const struct x86_seg *s, const char *name, int long_mode, char *why, size_t whylen)
{
	if (s->type > 15)
		return bad(why, whylen, -ERANGE, "%s.type=%u: a descriptor type is 0-15", name, s->type);
	if (s->dpl > 3)
		return bad(why, whylen, -ERANGE, "%s.dpl=%u: privilege levels are 0-3", name, s->dpl);
	if (s->s > 1 || s->p > 1 || s->avl > 1 || s->l > 1 || s->db > 1 || s->g > 1)
		return bad(why, whylen, -ERANGE, "%s: s, p, avl, l, db and g are single bits (0 or 1)", name);
	if (!long_mode && s->base > 0xffffffffull)
		return bad(why, whylen, -ERANGE, "%s.base=0x%llx: outside long mode bases are 32 bits", name,
			   (unsigned long long)s->base);
	if (s->l && !long_mode)
		return bad(why, whylen, -EINVAL, "%s.l=1: 64-bit code segments need long mode (efer.lma=1)", name);
	if (s->l && s->db)
		return bad(why, whylen, -EINVAL, "%s: l=1 and db=1 together are reserved", name);
	if (long_mode && !canonical(s->base))
		return bad(why, whylen, -EINVAL, "%s.base=0x%llx is not canonical", name, (unsigned long long)s->base);
	return 0;
}

static int state_check(const struct x86_state *st, char *why, size_t whylen)
{
	static const char *const names[SEG_NR] = { "es", "cs", "ss", "ds", "fs", "gs", "ldt", "tr" };
	const struct x86_events *e = &st->ev;
	int r, lm = !!(st->efer & EFER_LMA);
	const uint64_t *canon[] = { &st->lstar, &st->cstar, &st->kernel_gs_base, &st->sysenter_esp,
				    &st->sysenter_eip };

	if (!lm && st->rip > 0xffffffffull)
		return bad(why, whylen, -ERANGE, "rip=0x%llx: outside long mode rip is 32 bits", (unsigned long long)st->rip);
	if (!canonical(st->rip))
		return bad(why, whylen, -EINVAL, "rip=0x%llx is not canonical", (unsigned long long)st->rip);
	if (st->rflags & ~(uint64_t)RFLAGS_OK)
		return bad(why, whylen, -EINVAL, "rflags=0x%llx sets reserved bits", (unsigned long long)st->rflags);
	for (int s = 0; s < SEG_NR; s++)
		if ((r = check_seg(&st->seg[s], names[s], lm, why, whylen)))
			return r;
	if (!lm && (st->gdt.base > 0xffffffffull || st->idt.base > 0xffffffffull))
		return bad(why, whylen, -ERANGE, "gdt.base/idt.base: outside long mode table bases are 32 bits");
	if (st->cr0 & ~(uint64_t)CR0_OK)
		return bad(why, whylen, -EINVAL, "cr0=0x%llx sets reserved bits", (unsigned long long)st->cr0);
	if ((st->cr0 & CR0_PG) && !(st->cr0 & CR0_PE))
		return bad(why, whylen, -EINVAL, "cr0=0x%llx: PG needs PE", (unsigned long long)st->cr0);
	if ((st->rflags & FL_VM) && (lm || !(st->cr0 & CR0_PE)))
		return bad(why, whylen, -EINVAL, "rflags.vm=1: virtual-8086 mode needs protected mode outside long mode");
	if ((st->cr0 & CR0_NW) && !(st->cr0 & CR0_CD))
		return bad(why, whylen, -EINVAL, "cr0=0x%llx: NW needs CD", (unsigned long long)st->cr0);
	if (lm && (!(st->cr0 & CR0_PG) || !(st->efer & EFER_LME) || !(st->cr4 & CR4_PAE)))
		return bad(why, whylen, -EINVAL, "efer.lma=1 needs cr0.pg, efer.lme and cr4.pae");
	if (!lm && st->cr3 > 0xffffffffull)
		return bad(why, whylen, -ERANGE, "cr3=0x%llx: outside long mode cr3 is 32 bits", (unsigned long long)st->cr3);
	if (st->cr4 & ~(uint64_t)CR4_OK)
		return bad(why, whylen, -EINVAL, "cr4=0x%llx sets bits this CPU does not have", (unsigned long long)st->cr4);
	if (st->cr8 > 15)
		return bad(why, whylen, -ERANGE, "cr8=%llu: the task priority is 0-15", (unsigned long long)st->cr8);
	if (st->efer & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return bad(why, whylen, -EINVAL, "efer=0x%llx: only SCE, LME, LMA and NXE exist", (unsigned long long)st->efer);
	for (unsigned k = 0; k < sizeof(canon) / sizeof(canon[0]); k++)
		if (!canonical(*canon[k]))
			return bad(why, whylen, -EINVAL, "msrs: 0x%llx is not a canonical address", (unsigned long long)*canon[k]);
	if (st->dr6 >> 32 || st->dr7 >> 32)
		return bad(why, whylen, -EINVAL, "dr6/dr7: the upper 32 bits are reserved");
	if (st->tsc_aux >> 32)
		return bad(why, whylen, -ERANGE, "tsc_aux is 32 bits");
	if ((st->apic_base & 0xfff & ~APIC_BASE_FLAGS) || st->apic_base > 0xffffffffffull)
		return bad(why, whylen, -EINVAL, "apic_base=0x%llx: a page address plus the BSP/x2APIC/enable bits", (unsigned long long)st->apic_base);
	if (e->exc_injected > 1 || e->exc_has_error > 1 || e->int_injected > 1 || e->int_soft > 1 ||
	    e->int_shadow > 1 || e->nmi_injected > 1 || e->nmi_pending > 1 || e->nmi_masked > 1)
		return bad(why, whylen, -ERANGE, "events: the injected/pending/masked/soft/shadow/has_error_code fields are 0 or 1");
	if (e->exc_nr > 31)
		return bad(why, whylen, -ERANGE, "exception.nr=%llu: exception vectors are 0-31", (unsigned long long)e->exc_nr);
	if (e->sipi_vector > 255)
		return bad(why, whylen, -ERANGE, "sipi_vector=%llu: a SIPI vector is 0-255", (unsigned long long)e->sipi_vector);
	return 0;
}

/* Field by field: a segment's padding bytes carry no meaning (and may be unset). */
static int segs_differ(const struct x86_seg *a, const struct x86_seg *b)
{
	for (unsigned i = 0; i < SEG_NR; i++)
		if (a[i].base != b[i].base || a[i].limit != b[i].limit || a[i].sel != b[i].sel ||
		    a[i].type != b[i].type || a[i].s != b[i].s || a[i].dpl != b[i].dpl ||
		    a[i].p != b[i].p || a[i].avl != b[i].avl || a[i].l != b[i].l ||
		    a[i].db != b[i].db || a[i].g != b[i].g)
			return 1;
	return 0;
}

static int state_set(struct vcpu *v, const void *in, const uint64_t *written, char *why, size_t whylen)
{
	struct x86_cpu *c = x86_of(v);
	const struct x86_state *st = in;
	int r, sys_changed, dr_changed;

	(void)written;
	if ((r = state_check(st, why, whylen)))
		return r;
	sys_changed = segs_differ(c->s.seg, st->seg) || c->s.cr0 != st->cr0 ||
		      c->s.cr3 != st->cr3 || c->s.cr4 != st->cr4 || c->s.efer != st->efer;
	dr_changed = memcmp(c->s.dr, st->dr, sizeof(st->dr)) || c->s.dr7 != st->dr7;
	c->s = *st;
	flags_set(c, st->rflags);
	c->shadow = st->ev.int_shadow;
	x86_mode_update(c);
	if (sys_changed) {
		/* blocks are keyed by mode and cs base and stay valid; translations do not */
		mmu_reset_context(c);
	}
	if (dr_changed)
		x86_debug_update(c);
	return 0;
}

#define STATE_FILE(n, f) { .file = n, .fields = f, .nfields = sizeof(f) / sizeof(f[0]), \
			   .size = sizeof(struct x86_state), .get = state_get, .set = state_set }

/* The TSC is field 0 of msrs: written, it restarts the clock from the new value. */
static int msrs_set(struct vcpu *v, const void *in, const uint64_t *written, char *why, size_t whylen)
{
	const struct x86_state *st = in;
	int r = state_set(v, in, written, why, whylen);

	if (!r && (written[0] & 1))
		x86_tsc_set(x86_of(v), st->tsc);
	return r;
}

static const struct state_desc regs_file = STATE_FILE("regs", regs_fields);
static const struct state_desc sregs_file = STATE_FILE("sregs", sregs_fields);
static const struct state_desc events_file = STATE_FILE("events", events_fields);
static const struct state_desc debugregs_file = STATE_FILE("debugregs", debugregs_fields);
static const struct state_desc msrs_file = { .file = "msrs", .fields = msrs_fields,
	.nfields = sizeof(msrs_fields) / sizeof(msrs_fields[0]), .size = sizeof(struct x86_state),
	.get = state_get, .set = msrs_set };

const struct state_desc *const x86_state_files[] = { &regs_file, &sregs_file, &events_file,
						     &debugregs_file, &msrs_file, NULL };
