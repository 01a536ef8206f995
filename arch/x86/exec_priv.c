/*
 * Privilege transitions without gates: syscall/sysret (STAR, LSTAR, CSTAR,
 * FMASK), sysenter/sysexit (the SYSENTER MSRs), swapgs; and the LDT and
 * task register instructions.  The segments these load are flat and come
 * from MSRs, not from the GDT, as on the CPU.
 */
#include "exec.h"

static inline int canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* A flat segment as syscall/sysenter load it: code (64-bit or 32-bit) or data. */
static void flat(struct x86_cpu *c, unsigned seg, uint16_t sel, unsigned dpl, int code, int l)
{
	c->s.seg[seg] = (struct x86_seg){ .base = 0, .limit = 0xffffffff, .sel = sel, .type = code ? 0xb : 0x3,
					  .s = 1, .dpl = dpl, .p = 1, .l = l, .db = !l, .g = 1 };
}

int h_syscall(struct x86_cpu *c, const struct insn *i)
{
	uint16_t sel = (c->s.star >> 32) & 0xfffc;
	uint64_t fl = flags_get(c);

	if (!(c->s.efer & EFER_SCE) || !(c->mode & MODE_PE))
		x86_fault(c, EXC_UD, 0, 0);
	if (c->mode & MODE_LMA) {
		c->s.gpr[RCX] = i->next;
		c->s.gpr[11] = fl & ~(uint64_t)FL_RF;
		flat(c, SEG_CS, sel, 0, 1, 1);
		flat(c, SEG_SS, sel + 8, 0, 0, 0);
		c->s.rip = c->mode & MODE_LONG ? c->s.lstar : c->s.cstar;
		flags_set(c, fl & ~c->s.fmask & ~(uint64_t)FL_RF);
	} else {
		c->s.gpr[RCX] = (uint32_t)i->next;
		flat(c, SEG_CS, sel, 0, 1, 0);
		flat(c, SEG_SS, sel + 8, 0, 0, 0);
		c->s.rip = (uint32_t)c->s.star;
		flags_set(c, fl & ~(uint64_t)(FL_VM | FL_IF | FL_RF));
	}
	x86_mode_update(c);
	return 1;
}

/* Back to ring 3: REX.W returns to 64-bit code, otherwise to 32-bit code. */
int h_sysret(struct x86_cpu *c, const struct insn *i)
{
	uint16_t base = (c->s.star >> 48) & 0xfffc;
	int to64 = i->os == 8;

	if (!(c->s.efer & EFER_SCE) || !(c->mode & MODE_PE))
		x86_fault(c, EXC_UD, 0, 0);
	if (c->cpl)
		x86_fault(c, EXC_GP, 1, 0);
	if (to64 && !canonical(c->s.gpr[RCX]))
		x86_fault(c, EXC_GP, 1, 0);
	if (c->mode & MODE_LMA) {
		flat(c, SEG_CS, (to64 ? base + 16 : base) | 3, 3, 1, to64);
		c->s.rip = to64 ? c->s.gpr[RCX] : (uint32_t)c->s.gpr[RCX];
		/* RFLAGS = R11 & 0x3c7fd7 | 2: RF and VM are never restored */
		flags_set(c, (c->s.gpr[11] & 0x3c7fd7) | 2);
		/*
		 * A TF it sets traps right after sysret, before the next
		 * instruction (unlike iret's and popf's, which trap after
		 * it), as Linux's entry code relies on.
		 */
		if (c->s.gpr[11] & FL_TF)
			c->db_pending |= DR6_BS | DB_NOW;
	} else {
		flat(c, SEG_CS, base | 3, 3, 1, 0);
		c->s.rip = (uint32_t)c->s.gpr[RCX];
		flags_set(c, flags_get(c) | FL_IF);
	}
	/* SS keeps its selector's RPL 3 and flat attributes */
	flat(c, SEG_SS, (base + 8) | 3, 3, 0, 0);
	x86_mode_update(c);
	return 1;
}

int h_sysenter(struct x86_cpu *c, const struct insn *i)
{
	uint16_t sel = c->s.sysenter_cs & 0xfffc;
	int lma = !!(c->mode & MODE_LMA);

	(void)i;
	/* CR0.PE, not MODE_PE: virtual-8086 mode may enter the kernel this way too */
	if (!(c->s.cr0 & CR0_PE) || !sel)
		x86_fault(c, EXC_GP, 1, 0);
	flags_set(c, flags_get(c) & ~(uint64_t)(FL_VM | FL_IF | FL_RF));
	flat(c, SEG_CS, sel, 0, 1, lma);
	flat(c, SEG_SS, sel + 8, 0, 0, 0);
	c->s.gpr[RSP] = lma ? c->s.sysenter_esp : (uint32_t)c->s.sysenter_esp;
	c->s.rip = lma ? c->s.sysenter_eip : (uint32_t)c->s.sysenter_eip;
	x86_mode_update(c);
	return 1;
}

/* Ring 3 at rdx with the stack at rcx; REX.W for 64-bit code. */
int h_sysexit(struct x86_cpu *c, const struct insn *i)
{
	uint16_t sel = c->s.sysenter_cs & 0xfffc;
	int to64 = i->os == 8;

	if (!(c->mode & MODE_PE) || !sel || c->cpl)
		x86_fault(c, EXC_GP, 1, 0);
	if (to64 && (!canonical(c->s.gpr[RDX]) || !canonical(c->s.gpr[RCX])))
		x86_fault(c, EXC_GP, 1, 0);
	flat(c, SEG_CS, (sel + (to64 ? 32 : 16)) | 3, 3, 1, to64);
	flat(c, SEG_SS, (sel + (to64 ? 40 : 24)) | 3, 3, 0, 0);
	c->s.gpr[RSP] = to64 ? c->s.gpr[RCX] : (uint32_t)c->s.gpr[RCX];
	c->s.rip = to64 ? c->s.gpr[RDX] : (uint32_t)c->s.gpr[RDX];
	x86_mode_update(c);
	return 1;
}

int h_swapgs(struct x86_cpu *c, const struct insn *i)
{
	uint64_t t = c->s.seg[SEG_GS].base;

	(void)i;
	if (c->cpl)
		x86_fault(c, EXC_GP, 1, 0);
	c->s.seg[SEG_GS].base = c->s.kernel_gs_base;
	c->s.kernel_gs_base = t;
	return 0;
}

/* sldt (reg 0) and str (reg 1): the selector; a register takes the operand size. */
int h_sldt_str(struct x86_cpu *c, const struct insn *i)
{
	if (!(c->mode & MODE_PE))
		x86_fault(c, EXC_UD, 0, 0);
	rm_put(c, i, i->mod == 3 ? i->os : 2, c->s.seg[i->reg == 0 ? SEG_LDT : SEG_TR].sel);
	return 0;
}

/* lldt (reg 2) and ltr (reg 3). */
int h_lldt_ltr(struct x86_cpu *c, const struct insn *i)
{
	uint16_t sel;

	if (!(c->mode & MODE_PE))
		x86_fault(c, EXC_UD, 0, 0);
	if (c->cpl)
		x86_fault(c, EXC_GP, 1, 0);
	sel = rm_get(c, i, 2);
	seg_load_system(c, i->reg == 2 ? SEG_LDT : SEG_TR, sel);
	c->s.rip = i->next;
	return 1;
}

/* verr (reg 4) / verw (reg 5): ZF = the segment is readable / writable from here. */
int h_verr_verw(struct x86_cpu *c, const struct insn *i)
{
	uint16_t sel = rm_get(c, i, 2);
	uint32_t f = flags_get(c) & ~FL_ZF;
	struct x86_seg d;
	int vec, ok = 0;
	unsigned pl = (sel & 3) > c->cpl ? sel & 3 : c->cpl;

	if (!(c->mode & MODE_PE))
		x86_fault(c, EXC_UD, 0, 0);
	if ((sel & ~3u) && !seg_desc_read(c, sel, &d, &vec) && d.s) {
		int code = d.type & 8, conforming = code && (d.type & 4);

		if (i->reg == 4)
			ok = (!code || (d.type & 2)) && (conforming || d.dpl >= pl);
		else
			ok = !code && (d.type & 2) && d.dpl >= pl;
	}
	flags_set_arith(c, f | (ok ? FL_ZF : 0));
	return 0;
}
