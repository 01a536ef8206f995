/*
 * System instructions: port I/O, hlt, descriptor tables, control
 * registers, cpuid, rdtsc, and the two ways out: #UD and "not implemented".
 */
#include <stdio.h>
#include <time.h>

#include "exec.h"
#include "mmu.h"
#include "platform.h"
#include "vmm/vm.h"

/*
 * Above IOPL, and in virtual-8086 mode whatever IOPL is, a port is granted
 * by the I/O permission bitmap of the current 32- or 64-bit TSS (at the
 * offset the word at 0x66 holds): every bit of the access must be clear.
 * The CPU reads two bytes of the bitmap; both must be inside the TSS
 * limit.  A 16-bit TSS has no bitmap.
 */
void x86_io_check(struct x86_cpu *c, uint16_t port, unsigned size)
{
	const struct x86_seg *tr = &c->s.seg[SEG_TR];
	uint64_t off;

	if (!(c->s.cr0 & CR0_PE))
		return;
	if (!(c->s.rflags & FL_VM) && c->cpl <= ((c->s.rflags & FL_IOPL) >> 12))
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
	if (x86_reset_line(port_of(c, i), i->os, v)) {
		vcpu_set_exit(c->v, EXIT_SYSTEM_EVENT);
		c->v->exit.system_event.type = SYSEV_RESET;
		c->s.rip = i->next;
		c->result = RUN_EXIT;
		return 2;
	}
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

/*
 * lgdt/lidt (reg 2/3) and sgdt/sidt (reg 0/1): limit, then the base: 8
 * bytes in 64-bit mode whatever the operand size, else 4 (lgdt with a
 * 16-bit operand keeps 24 bits of them).
 */
int h_lgdt(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), m = size_mask(i->as);
	unsigned bsize = c->mode & MODE_LONG ? 8 : 4;
	uint16_t limit;
	uint64_t base;

	need_ring0(c);
	limit = seg_read(c, i->seg, ea, 2);
	base = seg_read(c, i->seg, (ea + 2) & m, bsize);
	if (bsize == 8 && (uint64_t)((int64_t)(base << 16) >> 16) != base)
		x86_fault(c, EXC_GP, 1, 0);
	if (bsize == 4 && i->os == 2)
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

	seg_write(c, i->seg, (ea + 2) & m, c->mode & MODE_LONG ? 8 : 4, base);
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

/* A non-canonical address has no translation to drop: invlpg of one is a no-op, not #GP. */
int h_invlpg(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea;

	need_ring0(c);
	ea = insn_ea(c, i);
	if (c->mode & MODE_LONG) {
		uint64_t lin = ea + (i->seg >= SEG_FS ? c->s.seg[i->seg].base : 0);

		if ((uint64_t)((int64_t)(lin << 16) >> 16) == lin)
			mmu_invlpg(c, lin);
	} else {
		mmu_invlpg(c, seg_lin(c, i->seg, ea));
	}
	c->s.rip = i->next;
	return 1;
}

/*
 * invpcid (cpuid 7.ebx[10]): type 0 one address, 1 one PCID, 2 everything,
 * 3 everything but global pages.  CR4.PCIDE cannot be set here (PCID is not
 * advertised), so every translation belongs to PCID 0: another PCID in
 * types 0 and 1 is #GP, as are PCID bits 63:12 and a non-canonical address.
 * The shadow MMU keeps no global translations apart, so types 1-3 flush all.
 */
int h_invpcid(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), type, pcid, lin;

	if (!x86_cpuid_has(c, 7, 1, 10))
		x86_fault(c, EXC_UD, 0, 0);
	need_ring0(c);
	type = c->mode & MODE_LONG ? c->s.gpr[i->reg] : (uint32_t)c->s.gpr[i->reg];
	pcid = seg_read(c, i->seg, ea, 8);
	lin = seg_read(c, i->seg, (ea + 8) & size_mask(i->as), 8);
	if (type > 3 || (pcid >> 12) || (type <= 1 && pcid))
		x86_fault(c, EXC_GP, 1, 0);
	if (type == 0) {
		if ((uint64_t)((int64_t)(lin << 16) >> 16) != lin)
			x86_fault(c, EXC_GP, 1, 0);
		mmu_invlpg(c, c->mode & MODE_LMA ? lin : (uint32_t)lin);
	} else {
		mmu_cr3_write(c, c->s.cr3);
	}
	c->s.rip = i->next;
	return 1;
}

#define CR4_OSXSAVE (1u << 18)
#define CR4_PCE (1u << 8)

/*
 * xgetbv/xsetbv (rm 0/1) exist once the OS enabled XSAVE (CR4.OSXSAVE,
 * which needs cpuid 1.ecx[26]): until the FPU/SIMD state is modelled, cpuid
 * hides XSAVE and mov to CR4 refuses OSXSAVE, so they are #UD as on a CPU
 * whose OS did not enable it.
 */
int h_xgetbv_xsetbv(struct x86_cpu *c, const struct insn *i)
{
	if (!x86_cpuid_has(c, 1, 2, 26) || !(c->s.cr4 & CR4_OSXSAVE))
		x86_fault(c, EXC_UD, 0, 0);
	(void)i;
	x86_internal(c, "xgetbv/xsetbv: XCR0 is not modelled");
}

/*
 * rdpmc: the counters cpuid leaf 0xa exposes (eax[15:8] general-purpose,
 * edx[4:0] fixed, ecx[30] selecting the fixed ones).  The model exposes
 * none, so every ecx is #GP; counters userspace exposes through the cpuid
 * file count nothing (no event is modelled) and read 0.
 */
int h_rdpmc(struct x86_cpu *c, const struct insn *i)
{
	uint32_t r[4], ecx = c->s.gpr[RCX], n;

	(void)i;
	if (c->cpl && (c->mode & MODE_PE) && !(c->s.cr4 & CR4_PCE))
		x86_fault(c, EXC_GP, 1, 0);
	x86_cpuid_vcpu(c, 0xa, 0, r);
	n = ecx & (1u << 30) ? r[3] & 0x1f : (r[0] >> 8) & 0xff;
	if ((ecx & ~(1u << 30)) >= n)
		x86_fault(c, EXC_GP, 1, 0);
	c->s.gpr[RAX] = 0;
	c->s.gpr[RDX] = 0;
	return 0;
}

/* An address checked as a byte load's (segment, canonical form, a page walk that may #PF), untouched. */
static void check_byte_load(struct x86_cpu *c, unsigned seg, uint64_t ea)
{
	int cache, pt;

	if ((c->seg_rchk >> seg) & 1)
		seg_check(c, seg, ea, 1, 0);
	mmu_translate(c, seg_lin(c, seg, ea), TLB_READ, &cache, &pt);
}

/* clflush, clflushopt, clwb: no cache to write back, and the line may be a device's. */
int h_clflush(struct x86_cpu *c, const struct insn *i)
{
	int have = !i->p66 ? x86_cpuid_has(c, 1, 3, 19) : x86_cpuid_has(c, 7, 1, (i->reg & 7) == 7 ? 23 : 24);

	if (!have)
		x86_fault(c, EXC_UD, 0, 0);
	check_byte_load(c, i->seg, insn_ea(c, i));
	return 0;
}

/*
 * monitor/mwait (rm 0/1) as cpuid 1.ecx[3] says: the model does not
 * advertise them (#UD); when userspace does, they are for CPL 0, monitor
 * checks seg:rax as clflush does, and mwait is the hint the SDM allows it
 * to be (it may return at once), with ecx bits beyond the interrupt
 * break-event (leaf 5 ecx[1]) refused.
 */
int h_monitor_mwait(struct x86_cpu *c, const struct insn *i)
{
	uint32_t r[4], allowed = 0;

	if (!x86_cpuid_has(c, 1, 2, 3) || c->cpl)
		x86_fault(c, EXC_UD, 0, 0);
	if ((i->rm & 7) == 0) {
		check_byte_load(c, i->seg, c->s.gpr[RAX] & size_mask(i->as));
	} else {
		x86_cpuid_vcpu(c, 5, 0, r);
		allowed = r[2] & 2 ? 1 : 0;
	}
	if ((uint32_t)c->s.gpr[RCX] & ~allowed)
		x86_fault(c, EXC_GP, 1, 0);
	c->s.rip = i->next;
	return 1;
}

/*
 * vmcall/vmmcall: the KVM hypercall ABI (Documentation/virt/kvm/x86/
 * hypercalls.rst): rax the number, rbx rcx rdx rsi the arguments, the
 * result in rax; 32-bit outside 64-bit mode.  Only CPL 0 may call
 * (-KVM_EPERM otherwise, as KVM returns).  KVM_HC_VAPIC_POLL_IRQ is a
 * no-op that returns 0; KVM_HC_KICK_CPU, KVM_HC_SEND_IPI and
 * KVM_HC_SCHED_YIELD need PV features 0x40000001 does not advertise (no
 * in-kernel halt or APIC here), so they and every other number are
 * -KVM_ENOSYS, unless `enable-cap hcall-exit` sends them to userspace:
 * reason=hypercall with nr and args (rbx rcx rdx rsi), and the `ret=` it
 * writes to `exit` (-KVM_ENOSYS if none) lands in rax when the next run
 * executes the vmcall again.
 */
#define KVM_HC_VAPIC_POLL_IRQ 1
#define KVM_ENOSYS 1000
#define KVM_EPERM 1

int h_vmcall(struct x86_cpu *c, const struct insn *i)
{
	uint64_t nr = c->s.gpr[RAX], ret;

	(void)i;
	if (!(c->mode & MODE_LONG))
		nr = (uint32_t)nr;
	if (c->cpl) {
		ret = -(uint64_t)KVM_EPERM;
	} else if (nr == KVM_HC_VAPIC_POLL_IRQ) {
		ret = 0;
	} else if (c->hc_pending && c->hc_rip == i->ip) {
		c->hc_pending = 0;
		ret = c->v->exit.hypercall.ret;
	} else if (__atomic_load_n(&((struct x86_vm *)c->vm->arch_state)->cap_hcall_exit, __ATOMIC_RELAXED)) {
		struct vcpu_exit *e = &c->v->exit;
		static const unsigned argreg[4] = { RBX, RCX, RDX, RSI };

		vcpu_set_exit(c->v, EXIT_HYPERCALL);
		e->needs_completion = true;
		e->hypercall.nr = nr;
		for (int k = 0; k < 4; k++)
			e->hypercall.args[k] = c->mode & MODE_LONG ? c->s.gpr[argreg[k]] : (uint32_t)c->s.gpr[argreg[k]];
		e->hypercall.ret = -(uint64_t)KVM_ENOSYS;
		c->hc_pending = 1;
		c->hc_rip = i->ip;
		x86_exit_now(c);
	} else {
		ret = -(uint64_t)KVM_ENOSYS;
	}
	c->v->astat[X86_STAT_HYPERCALLS]++;
	c->s.gpr[RAX] = c->mode & MODE_LONG ? ret : (uint32_t)ret;
	return 0;
}

/* CR4 bits this CPU accepts: TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT SMEP SMAP
 * (not VME and PVI: virtual-8086 mode runs without the virtual interrupt flag). */
#define CR4_KNOWN (0x7fcull | CR4_SMEP | CR4_SMAP)

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

/* invd, wbinvd: no caches to write back or drop, but privileged. */
int h_invd(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	need_ring0(c);
	return 0;
}

/*
 * x87: cpuid shows no FPU, and an OS that emulates it sets CR0.EM (or TS
 * to switch state lazily): those are #NM, which is how the emulator gets
 * control.  With both clear the instruction is not implemented.
 */
int h_x87(struct x86_cpu *c, const struct insn *i)
{
	if (c->s.cr0 & (CR0_EM | CR0_TS))
		x86_fault(c, EXC_NM, 0, 0);
	return h_unimpl(c, i);
}

/* fwait: #NM when CR0.MP and TS are both set; otherwise no FPU state to wait for. */
int h_fwait(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	if ((c->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		x86_fault(c, EXC_NM, 0, 0);
	return 0;
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

static int is_prefix(const struct x86_cpu *c, uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
	       b == 0x65 || b == 0xf0 || b == 0xf2 || b == 0xf3 || ((c->mode & MODE_LONG) && (b & 0xf0) == 0x40);
}

/* Names the opcode (the bytes after the prefixes; /reg for the 0f maps and x87) and where it is. */
int h_unimpl(struct x86_cpu *c, const struct insn *i)
{
	char why[64];
	unsigned k = 0, n = 1, len;

	while (k < i->len && is_prefix(c, i->bytes[k]))
		k++;
	if (k + 1 < i->len && i->bytes[k] == 0x0f)
		n = i->bytes[k + 1] == 0x38 || i->bytes[k + 1] == 0x3a ? 3 : 2;
	len = snprintf(why, sizeof(why), "not implemented: opcode");
	for (unsigned j = k; j < k + n && j < i->len; j++)
		len += snprintf(why + len, sizeof(why) - len, " %02x", i->bytes[j]);
	if (k + n < i->len && (n > 1 || (i->bytes[k] >= 0xd8 && i->bytes[k] <= 0xdf)))
		len += snprintf(why + len, sizeof(why) - len, " /%u", (i->bytes[k + n] >> 3) & 7);
	snprintf(why + len, sizeof(why) - len, " at rip 0x%llx", (unsigned long long)i->ip);
	x86_internal(c, why);
}
