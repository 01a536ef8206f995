/* Control transfer: jumps, calls, returns, loops, far transfers, int/iret. */
#include "exec.h"
#include "task.h"

static inline uint64_t ipmask(const struct insn *i, uint64_t ip)
{
	return ip & size_mask(i->os);
}

int h_jcc(struct x86_cpu *c, const struct insn *i)
{
	if (!flags_cond(c, i->op))
		return 0;
	c->s.rip = i->imm;
	return INSN_BRANCH;
}

int h_jmp(struct x86_cpu *c, const struct insn *i)
{
	c->s.rip = i->imm;
	return INSN_BRANCH;
}

int h_jmp_rm(struct x86_cpu *c, const struct insn *i)
{
	c->s.rip = ipmask(i, rm_get(c, i, i->os));
	return INSN_BRANCH;
}

int h_call(struct x86_cpu *c, const struct insn *i)
{
	push(c, i->ss, i->os, i->next);
	c->s.rip = i->imm;
	return INSN_BRANCH;
}

int h_call_rm(struct x86_cpu *c, const struct insn *i)
{
	uint64_t t = rm_get(c, i, i->os);

	push(c, i->ss, i->os, i->next);
	c->s.rip = ipmask(i, t);
	return INSN_BRANCH;
}

int h_ret(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ip = pop(c, i->ss, i->os);

	if (i->imm)
		sp_put(c, i->ss, sp_get(c, i->ss) + i->imm);
	c->s.rip = ipmask(i, ip);
	return INSN_BRANCH;
}

/* Real mode (and virtual-8086 mode): CS is the selector, no checks. */
static void far_real(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	seg_load_real(c, SEG_CS, sel);
	c->s.rip = ipmask(i, off);
}

static int real_mode(const struct x86_cpu *c)
{
	return !(c->s.cr0 & CR0_PE) || (c->s.rflags & FL_VM);
}

int h_retf(struct x86_cpu *c, const struct insn *i)
{
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss);
	uint64_t ip;
	uint16_t cs;

	if (!real_mode(c)) {
		far_return(c, i, i->imm, 0);
		return 1;
	}
	ip = seg_read(c, SEG_SS, sp, i->os);
	cs = seg_read(c, SEG_SS, (sp + i->os) & m, 2);
	far_real(c, i, cs, ip);
	sp_put(c, i->ss, sp + 2 * i->os + i->imm);
	return 1;
}

int h_loop(struct x86_cpu *c, const struct insn *i)
{
	uint64_t m = size_mask(i->as), cx = (c->s.gpr[RCX] - 1) & m;
	int go;

	if (i->as == 2)
		c->s.gpr[RCX] = (c->s.gpr[RCX] & ~0xffffull) | cx;
	else
		c->s.gpr[RCX] = cx;
	go = cx != 0;
	if (go && i->op == 0)		/* loopne */
		go = !flags_cond(c, 4);
	else if (go && i->op == 1)	/* loope */
		go = flags_cond(c, 4);
	if (!go)
		return 0;
	c->s.rip = i->imm;
	return INSN_BRANCH;
}

int h_jcxz(struct x86_cpu *c, const struct insn *i)
{
	if (c->s.gpr[RCX] & size_mask(i->as))
		return 0;
	c->s.rip = i->imm;
	return INSN_BRANCH;
}

static void jmp_far(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	if (real_mode(c))
		far_real(c, i, sel, off);
	else
		far_jmp(c, i, sel, off);
}

int h_jmp_far(struct x86_cpu *c, const struct insn *i)
{
	jmp_far(c, i, i->imm2, i->imm);
	return 1;
}

int h_jmp_far_m(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), off = seg_read(c, i->seg, ea, i->os);
	uint16_t sel = seg_read(c, i->seg, (ea + i->os) & size_mask(i->as), 2);

	jmp_far(c, i, sel, off);
	return 1;
}

/* The pushes are written before rsp moves, so a fault leaves it alone. */
static int call_far(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss);

	if (!real_mode(c)) {
		far_call(c, i, sel, off);
		return 1;
	}
	seg_write(c, SEG_SS, (sp - i->os) & m, i->os, c->s.seg[SEG_CS].sel);
	seg_write(c, SEG_SS, (sp - 2 * i->os) & m, i->os, i->next);
	far_real(c, i, sel, off);
	sp_put(c, i->ss, sp - 2 * i->os);
	return 1;
}

int h_call_far(struct x86_cpu *c, const struct insn *i)
{
	return call_far(c, i, i->imm2, i->imm);
}

int h_call_far_m(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), off = seg_read(c, i->seg, ea, i->os);
	uint16_t sel = seg_read(c, i->seg, (ea + i->os) & size_mask(i->as), 2);

	return call_far(c, i, sel, off);
}

static int soft_int(struct x86_cpu *c, const struct insn *i, unsigned vec)
{
	if (x86_deliver(c, vec, 0, 0, 1, i->next)) {
		c->result = RUN_EXIT;
		return 2;
	}
	return 1;
}

/* int3 and into are not IOPL-sensitive in virtual-8086 mode; the gate's DPL decides */
int h_int(struct x86_cpu *c, const struct insn *i)
{
	x86_v86_iopl(c);
	return soft_int(c, i, i->imm);
}

/*
 * icebp (int1, f1): a #DB that is a trap after the instruction, delivered
 * like a hardware exception (no gate DPL check, unlike int n), with no
 * DR6 bit of its own.
 */
int h_icebp(struct x86_cpu *c, const struct insn *i)
{
	c->s.rip = i->next;
	if (x86_deliver(c, EXC_DB, 0, 0, 0, i->next)) {
		c->result = RUN_EXIT;
		return 2;
	}
	return 1;
}

int h_int3(struct x86_cpu *c, const struct insn *i)
{
	return soft_int(c, i, EXC_BP);
}

int h_into(struct x86_cpu *c, const struct insn *i)
{
	if (!flags_cond(c, 0))
		return 0;
	return soft_int(c, i, EXC_OF);
}

/* iret with NT set returns to the task in the TSS's back link. */
int h_iret(struct x86_cpu *c, const struct insn *i)
{
	unsigned os = i->os;
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss), ip, fl, old = flags_get(c);
	uint16_t cs;

	if (!real_mode(c)) {
		if (!(old & FL_NT))
			far_return(c, i, 0, 1);
		else if (c->mode & MODE_LMA)
			x86_fault(c, EXC_GP, 1, 0);
		else
			task_iret(c, i->next);
	} else {
		x86_v86_iopl(c);
		ip = seg_read(c, SEG_SS, sp, os);
		cs = seg_read(c, SEG_SS, (sp + os) & m, 2);
		fl = seg_read(c, SEG_SS, (sp + 2 * os) & m, os);
		far_real(c, i, cs, ip);
		flags_set(c, x86_flags_merge(c, old, fl, os));
		sp_put(c, i->ss, sp + 3 * os);
	}
	c->s.ev.nmi_masked = 0;
	return 1;
}

/*
 * The hot forms.  jcc: one handler per condition, taken straight from the
 * lazy operands for what compilers emit after cmp, test, sub, inc/dec.
 * call/ret: a 32-bit or 64-bit flat near transfer on a stack of that width.
 */
static inline int zf_of(const struct x86_cpu *c)
{
	return c->lf.op == LF_NONE ? (c->s.rflags & FL_ZF) != 0 : c->lf.res == 0;
}

#define JCC_FAST(name, expr)						\
int name(struct x86_cpu *c, const struct insn *i)			\
{									\
	if (!(expr))							\
		return 0;						\
	c->s.rip = i->imm;						\
	return INSN_BRANCH;						\
}
#define SUB_OR(cc, sub_expr) \
	(c->lf.op == LF_SUB ? (sub_expr) : flags_cond(c, cc))
#define SA(v) ((int64_t)((v) << (64 - c->lf.size * 8)))
JCC_FAST(h_jz, zf_of(c))
JCC_FAST(h_jnz, !zf_of(c))
JCC_FAST(h_jb, SUB_OR(2, c->lf.a < c->lf.b))
JCC_FAST(h_jae, SUB_OR(3, c->lf.a >= c->lf.b))
JCC_FAST(h_jbe, SUB_OR(6, c->lf.a <= c->lf.b))
JCC_FAST(h_ja, SUB_OR(7, c->lf.a > c->lf.b))
JCC_FAST(h_jl, SUB_OR(12, SA(c->lf.a) < SA(c->lf.b)))
JCC_FAST(h_jge, SUB_OR(13, SA(c->lf.a) >= SA(c->lf.b)))
JCC_FAST(h_jle, SUB_OR(14, SA(c->lf.a) <= SA(c->lf.b)))
JCC_FAST(h_jg, SUB_OR(15, SA(c->lf.a) > SA(c->lf.b)))

#define NEAR_FORMS(bits, T, sz)						\
int h_call##bits(struct x86_cpu *c, const struct insn *i)		\
{									\
	T sp = (T)c->s.gpr[RSP] - sz;					\
	void *p = fast_ptr(c, TLB_WRITE, SEG_SS, sp, sz);		\
									\
	if (!p)								\
		return h_call(c, i);					\
	host_store(p, sz, i->next);					\
	c->s.gpr[RSP] = sp;						\
	c->s.rip = i->imm;						\
	return INSN_BRANCH;						\
}									\
int h_ret##bits(struct x86_cpu *c, const struct insn *i)		\
{									\
	T sp = (T)c->s.gpr[RSP];					\
	void *p = fast_ptr(c, TLB_READ, SEG_SS, sp, sz);		\
									\
	if (!p)								\
		return h_ret(c, i);					\
	c->s.rip = (T)host_load(p, sz);					\
	c->s.gpr[RSP] = (T)(sp + sz);					\
	return INSN_BRANCH;						\
}
NEAR_FORMS(32, uint32_t, 4)
NEAR_FORMS(64, uint64_t, 8)
