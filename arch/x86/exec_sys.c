/*
 * System instructions: port I/O, hlt, descriptor tables, control
 * registers, cpuid, rdtsc, and the two ways out: #UD and "not implemented".
 */
#include <time.h>

#include "exec.h"
#include "mmu.h"
#include "platform.h"
#include "vmm/vm.h"

/*
 * Above IOPL a port is granted by the I/O permission bitmap of the current
 * 32- or 64-bit TSS (at the offset the word at 0x66 holds): every bit of
 * the access must be clear.  The CPU reads two bytes of the bitmap; both
 * must be inside the TSS limit.  A 16-bit TSS has no bitmap.
 */
void x86_io_check(struct x86_cpu *c, uint16_t port, unsigned size)
{
	const struct x86_seg *tr = &c->s.seg[SEG_TR];
	uint64_t off;

	if (!(c->s.cr0 & CR0_PE) || c->cpl <= ((c->s.rflags & FL_IOPL) >> 12))
		return;
	if (!tr->p || !(tr->type & 8) || tr->limit < 0x67)
		x86_fault(c, EXC_GP, 1, 0);
	off = sys_read(c, seg_lin(c, SEG_TR, 0x66), 2) + port / 8;
	if (off + 1 > tr->limit)
		x86_fault(c, EXC_GP, 1, 0);
	if ((sys_read(c, seg_lin(c, SEG_TR, off), 2) >> (port & 7)) & ((1u << size) - 1))
		x86_fault(c, EXC_GP, 1, 0);
}

static uint16_t port_of(struct x86_cpu *c, const struct insn *i)
{
	return i->imm == 0x10000 ? (uint16_t)c->s.gpr[RDX] : (uint16_t)i->imm;
}

int h_in(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v;

	x86_io_check(c, port_of(c, i), i->os);
	if (vcpu_io(c->v, 0, port_of(c, i), i->os, 0, &v))
		x86_exit_now(c);
	reg_put(c, RAX * 8, i->os, v);
	return 0;
}

int h_out(struct x86_cpu *c, const struct insn *i)
{
	struct x86_vm *xv = c->vm->arch_state;
	uint64_t v = c->s.gpr[RAX] & size_mask(i->os), code;

	x86_io_check(c, port_of(c, i), i->os);
	if (vcpu_io(c->v, 0, port_of(c, i), i->os, 1, &v))
		x86_exit_now(c);
	if (debugexit_take(&xv->dbg, &code)) {
		vcpu_set_exit(c->v, EXIT_SYSTEM_EVENT);
		c->v->exit.system_event.type = SYSEV_EXIT;
		c->v->exit.system_event.code = code;
		c->s.rip = i->next;
		c->result = RUN_EXIT;
		return 2;
	}
	return 0;
}

static void need_ring0(struct x86_cpu *c)
{
	if (c->cpl)
		x86_fault(c, EXC_GP, 1, 0);
}

/*
 * hlt with an event ready continues at once (delivered at dispatch).
 * Nothing else can wake the CPU on this platform yet (no interrupt
 * controller), so otherwise userspace is asked: reason=hlt.
 */
int h_hlt(struct x86_cpu *c, const struct insn *i)
{
	need_ring0(c);
	c->s.rip = i->next;
	if (x86_irq_deliverable(c))
		return 1;
	vcpu_set_exit(c->v, EXIT_HLT);
	c->result = RUN_EXIT;
	return 2;
}

/* lgdt/lidt (reg 2/3) and sgdt/sidt (reg 0/1): limit, then a 24- or 32-bit base. */
int h_lgdt(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), m = size_mask(i->as);
	uint16_t limit;
	uint64_t base;

	need_ring0(c);
	limit = seg_read(c, i->seg, ea, 2);
	base = seg_read(c, i->seg, (ea + 2) & m, 4);
	if (i->os == 2)
		base &= 0xffffff;
	if (i->reg == 2) {
		c->s.gdt.base = base;
		c->s.gdt.limit = limit;
	} else {
		c->s.idt.base = base;
		c->s.idt.limit = limit;
	}
	c->s.rip = i->next;
	return 1;
}

int h_sgdt(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), m = size_mask(i->as);
	uint64_t base = i->reg == 0 ? c->s.gdt.base : c->s.idt.base;
	uint16_t limit = i->reg == 0 ? c->s.gdt.limit : c->s.idt.limit;

	seg_write(c, i->seg, (ea + 2) & m, 4, base);
	seg_write(c, i->seg, ea, 2, limit);
	return 0;
}

int h_smsw(struct x86_cpu *c, const struct insn *i)
{
	rm_put(c, i, i->mod == 3 ? i->os : 2, c->s.cr0);
	return 0;
}

/*
 * Turning paging on with EFER.LME set activates long mode (EFER.LMA); the
 * code segment's L bit then selects 64-bit or compatibility mode.
 * Translation itself is the memory path's: until the shadow page engine
 * takes over, only long-mode entry may set PG, and the guest must
 * identity-map what it uses.
 */
static void cr0_write(struct x86_cpu *c, uint64_t v)
{
	uint64_t old = c->s.cr0, old_efer = c->s.efer;

	if (v >> 32)
		x86_fault(c, EXC_GP, 1, 0);
	v |= CR0_ET;
	if ((v & CR0_PG) && !(v & CR0_PE))
		x86_fault(c, EXC_GP, 1, 0);
	if ((v & CR0_NW) && !(v & CR0_CD))
		x86_fault(c, EXC_GP, 1, 0);
	if ((v & CR0_PG) && !(old & CR0_PG) && (c->s.efer & EFER_LME)) {
		if (!(c->s.cr4 & CR4_PAE) || c->s.seg[SEG_CS].l)
			x86_fault(c, EXC_GP, 1, 0);
		c->s.efer |= EFER_LMA;
	}
	if (!(v & CR0_PG) && (old & CR0_PG)) {
		if (c->mode & MODE_LONG)	/* leaving long mode starts in compatibility mode */
			x86_fault(c, EXC_GP, 1, 0);
		c->s.efer &= ~(uint64_t)EFER_LMA;
	}
	if (mmu_pae_bad(c, v, c->s.cr4))
		x86_fault(c, EXC_GP, 1, 0);
	c->s.cr0 = v;
	x86_mode_update(c);
	if (!mmu_paging_update(c, old, c->s.cr4, old_efer))
		tlb_flush(c);
}

/* lmsw sets PE but never clears it. */
int h_lmsw(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = rm_get(c, i, 2);

	need_ring0(c);
	cr0_write(c, (c->s.cr0 & ~0xeull) | (v & 0xf) | (c->s.cr0 & CR0_PE));
	c->s.rip = i->next;
	return 1;
}

int h_clts(struct x86_cpu *c, const struct insn *i)
{
	need_ring0(c);
	c->s.cr0 &= ~(uint64_t)CR0_TS;
	c->s.rip = i->next;
	return 1;
}

int h_invlpg(struct x86_cpu *c, const struct insn *i)
{
	need_ring0(c);
	mmu_invlpg(c, seg_lin(c, i->seg, insn_ea(c, i)));
	c->s.rip = i->next;
	return 1;
}

/* CR4 bits this CPU accepts: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT SMEP SMAP. */
#define CR4_KNOWN (0x7ffull | CR4_SMEP | CR4_SMAP)

int h_mov_r_cr(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v;

	need_ring0(c);
	switch (i->reg) {
	case 0: v = c->s.cr0; break;
	case 2: v = c->s.cr2; break;
	case 3: v = c->s.cr3; break;
	case 4: v = c->s.cr4; break;
	case 8: v = c->s.cr8; break;
	default: x86_fault(c, EXC_UD, 0, 0);
	}
	reg_put(c, i->rmoff, i->os, v);
	return 0;
}

int h_mov_cr_r(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = reg_get(c, i->rmoff, i->os), old;

	need_ring0(c);
	switch (i->reg) {
	case 0:
		cr0_write(c, v);
		break;
	case 2:
		c->s.cr2 = v;
		break;
	case 3:
		if ((c->mode & MODE_LMA) ? v >> 52 : v >> 32)
			x86_fault(c, EXC_GP, 1, 0);
		mmu_cr3_write(c, v);
		break;
	case 4:
		if (v & ~CR4_KNOWN)
			x86_fault(c, EXC_GP, 1, 0);
		if ((c->mode & MODE_LMA) && !(v & CR4_PAE))
			x86_fault(c, EXC_GP, 1, 0);
		if (mmu_pae_bad(c, c->s.cr0, v))
			x86_fault(c, EXC_GP, 1, 0);
		old = c->s.cr4;
		c->s.cr4 = v;
		mmu_paging_update(c, c->s.cr0, old, c->s.efer);
		break;
	case 8:
		if (v > 15)
			x86_fault(c, EXC_GP, 1, 0);
		c->s.cr8 = v;
		break;
	default:
		x86_fault(c, EXC_UD, 0, 0);
	}
	c->s.rip = i->next;
	return 1;
}

int h_cpuid(struct x86_cpu *c, const struct insn *i)
{
	uint32_t r[4];

	(void)i;
	c->ran = 1;	/* the model is fixed once the guest has seen it */
	x86_cpuid_vcpu(c, c->s.gpr[RAX], c->s.gpr[RCX], r);
	c->s.gpr[RAX] = r[0];
	c->s.gpr[RBX] = r[1];
	c->s.gpr[RCX] = r[2];
	c->s.gpr[RDX] = r[3];
	return 0;
}

/* The TSC counts nanoseconds since the vcpu was reset: a 1 GHz clock (msr.c). */
int h_rdtsc(struct x86_cpu *c, const struct insn *i)
{
	uint64_t t;

	(void)i;
	if ((c->s.cr4 & CR4_TSD) && c->cpl)
		x86_fault(c, EXC_GP, 1, 0);
	t = x86_tsc(c);
	c->s.gpr[RAX] = (uint32_t)t;
	c->s.gpr[RDX] = t >> 32;
	return 0;
}

/* rdtsc plus TSC_AUX in ecx. */
int h_rdtscp(struct x86_cpu *c, const struct insn *i)
{
	h_rdtsc(c, i);
	c->s.gpr[RCX] = (uint32_t)c->s.tsc_aux;
	return 0;
}

/* DR4/DR5 are DR6/DR7 unless CR4.DE makes them undefined. */
static uint64_t *dr_of(struct x86_cpu *c, unsigned n)
{
	if ((n == 4 || n == 5) && (c->s.cr4 & CR4_DE))
		x86_fault(c, EXC_UD, 0, 0);
	if (n > 7)
		x86_fault(c, EXC_UD, 0, 0);
	return n < 4 ? &c->s.dr[n] : (n & 1) ? &c->s.dr7 : &c->s.dr6;
}

int h_mov_r_dr(struct x86_cpu *c, const struct insn *i)
{
	uint64_t *d;

	need_ring0(c);
	d = dr_of(c, i->reg);
	reg_put(c, i->rmoff, i->os, *d);
	return 0;
}

/* DR6 and DR7 keep their fixed bits; the upper halves are reserved (#GP). */
int h_mov_dr_r(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = reg_get(c, i->rmoff, i->os), *d;

	need_ring0(c);
	d = dr_of(c, i->reg);
	if (d == &c->s.dr6 || d == &c->s.dr7) {
		if (v >> 32)
			x86_fault(c, EXC_GP, 1, 0);
		v = d == &c->s.dr6 ? (v & 0xe00f) | 0xffff0ff0 : (v & 0xffff2bff) | 0x400;
	}
	*d = v;
	if (d != &c->s.dr6)
		x86_debug_update(c);
	c->s.rip = i->next;
	return 1;
}

int h_ud(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	x86_fault(c, EXC_UD, 0, 0);
}

/* An instruction longer than 15 bytes. */
int h_gp(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	x86_fault(c, EXC_GP, 1, 0);
}

int h_unimpl(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	x86_internal(c, "instruction not implemented");
}
