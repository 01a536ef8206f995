/* Data movement: mov in all forms, lea, xchg, segment registers, the stack. */
#include "exec.h"

int h_mov_rm_r(struct x86_cpu *c, const struct insn *i)
{
	rm_put(c, i, i->os, reg_get(c, i->roff, i->os));
	return 0;
}

int h_mov_r_rm(struct x86_cpu *c, const struct insn *i)
{
	reg_put(c, i->roff, i->os, rm_get(c, i, i->os));
	return 0;
}

/* dst at rmoff, src at roff (the decoder arranges both encodings so). */
int h_mov_r32_r32(struct x86_cpu *c, const struct insn *i)
{
	uint8_t *g = (uint8_t *)c->s.gpr;
	uint32_t v;

	memcpy(&v, g + i->roff, 4);
	host_store(g + i->rmoff, 8, v);
	return 0;
}

int h_mov_rm_i(struct x86_cpu *c, const struct insn *i)
{
	rm_put(c, i, i->os, i->imm);
	return 0;
}

int h_mov_r_i(struct x86_cpu *c, const struct insn *i)
{
	reg_put(c, i->roff, i->os, i->imm);
	return 0;
}

int h_mov_a_moffs(struct x86_cpu *c, const struct insn *i)
{
	reg_put(c, RAX * 8, i->os, seg_read(c, i->seg, i->imm, i->os));
	return 0;
}

int h_mov_moffs_a(struct x86_cpu *c, const struct insn *i)
{
	seg_write(c, i->seg, i->imm, i->os, c->s.gpr[RAX]);
	return 0;
}

int h_movzx(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = i->mod == 3 ? reg_get(c, i->rmoff, i->op) : seg_read(c, i->seg, insn_ea(c, i), i->op);

	reg_put(c, i->roff, i->os, v);
	return 0;
}

int h_movsx(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = i->mod == 3 ? reg_get(c, i->rmoff, i->op) : seg_read(c, i->seg, insn_ea(c, i), i->op);

	reg_put(c, i->roff, i->os, i->op == 1 ? (uint64_t)(int8_t)v : i->op == 2 ? (uint64_t)(int16_t)v :
				   (uint64_t)(int32_t)v);
	return 0;
}

int h_lea(struct x86_cpu *c, const struct insn *i)
{
	reg_put(c, i->roff, i->os, insn_ea(c, i));
	return 0;
}

int h_xchg(struct x86_cpu *c, const struct insn *i)
{
	uint64_t a = rm_get(c, i, i->os), b = reg_get(c, i->roff, i->os);

	rm_put(c, i, i->os, b);
	reg_put(c, i->roff, i->os, a);
	return 0;
}

int h_nop(struct x86_cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
	return 0;
}

int h_xlat(struct x86_cpu *c, const struct insn *i)
{
	uint64_t off = (c->s.gpr[RBX] + (c->s.gpr[RAX] & 0xff)) & size_mask(i->as);

	reg_put(c, RAX * 8, 1, seg_read(c, i->seg, off, 1));
	return 0;
}

int h_mov_rm_sreg(struct x86_cpu *c, const struct insn *i)
{
	rm_put(c, i, i->mod == 3 ? i->os : 2, c->s.seg[i->reg].sel);
	return 0;
}

/* Ends the block: ss changes the stack width, and opens an interrupt shadow. */
int h_mov_sreg_rm(struct x86_cpu *c, const struct insn *i)
{
	seg_load(c, i->reg, rm_get(c, i, 2));
	if (i->reg == SEG_SS)
		c->shadow = 1;
	c->s.rip = i->next;
	return 1;
}

int h_push_r(struct x86_cpu *c, const struct insn *i)
{
	push(c, i->ss, i->os, reg_get(c, i->roff, i->os));
	return 0;
}

int h_pop_r(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = pop(c, i->ss, i->os);

	reg_put(c, i->roff, i->os, v);
	return 0;
}

int h_push_i(struct x86_cpu *c, const struct insn *i)
{
	push(c, i->ss, i->os, i->imm);
	return 0;
}

int h_push_rm(struct x86_cpu *c, const struct insn *i)
{
	push(c, i->ss, i->os, rm_get(c, i, i->os));
	return 0;
}

/* pop to memory addresses with the incremented stack pointer. */
int h_pop_rm(struct x86_cpu *c, const struct insn *i)
{
	uint64_t sp = sp_get(c, i->ss), v = seg_read(c, SEG_SS, sp, i->os), old = c->s.gpr[RSP], ea;

	sp_put(c, i->ss, sp + i->os);
	if (i->mod == 3) {
		reg_put(c, i->rmoff, i->os, v);
		return 0;
	}
	ea = insn_ea(c, i);
	c->s.gpr[RSP] = old;
	seg_write(c, i->seg, ea, i->os, v);
	sp_put(c, i->ss, sp + i->os);
	return 0;
}

int h_push_sreg(struct x86_cpu *c, const struct insn *i)
{
	push(c, i->ss, i->os, c->s.seg[i->op].sel);
	return 0;
}

int h_pop_sreg(struct x86_cpu *c, const struct insn *i)
{
	uint64_t sp = sp_get(c, i->ss);

	seg_load(c, i->op, seg_read(c, SEG_SS, sp, i->os));
	sp_put(c, i->ss, sp + i->os);
	if (i->op == SEG_SS)
		c->shadow = 1;
	c->s.rip = i->next;
	return 1;
}

int h_pusha(struct x86_cpu *c, const struct insn *i)
{
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss);

	for (int r = RAX; r <= RDI; r++)
		seg_write(c, SEG_SS, (sp - (r + 1) * i->os) & m, i->os, c->s.gpr[r]);
	sp_put(c, i->ss, sp - 8 * i->os);
	return 0;
}

int h_popa(struct x86_cpu *c, const struct insn *i)
{
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss), v[8];

	for (int r = RDI; r >= RAX; r--)
		v[r] = seg_read(c, SEG_SS, (sp + (RDI - r) * i->os) & m, i->os);
	for (int r = RAX; r <= RDI; r++)
		if (r != RSP)
			reg_put(c, r * 8, i->os, v[r]);
	sp_put(c, i->ss, sp + 8 * i->os);
	return 0;
}

int h_pushf(struct x86_cpu *c, const struct insn *i)
{
	x86_v86_iopl(c);
	push(c, i->ss, i->os, flags_get(c) & ~(uint64_t)(FL_VM | FL_RF));
	return 0;
}

/* What popf and iret may change at the current privilege. */
uint64_t x86_flags_merge(struct x86_cpu *c, uint64_t old, uint64_t nw, unsigned os)
{
	uint64_t can = FL_WRITABLE;

	if ((c->s.cr0 & CR0_PE) && c->cpl > 0)
		can &= ~(uint64_t)FL_IOPL;
	if ((c->s.cr0 & CR0_PE) && c->cpl > ((old & FL_IOPL) >> 12))
		can &= ~(uint64_t)FL_IF;
	if (os == 2)
		can &= 0xffff;
	return (old & ~can) | (nw & can);
}

/* Ends the block: IF may have opened a window for an interrupt. */
int h_popf(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v;

	x86_v86_iopl(c);
	v = pop(c, i->ss, i->os);

	flags_set(c, x86_flags_merge(c, flags_get(c), v, i->os));
	c->s.rip = i->next;
	return 1;
}

int h_leave(struct x86_cpu *c, const struct insn *i)
{
	uint64_t bp = c->s.gpr[RBP] & size_mask(i->ss), v = seg_read(c, SEG_SS, bp, i->os);

	sp_put(c, i->ss, bp + i->os);
	reg_put(c, RBP * 8, i->os, v);
	return 0;
}

int h_enter(struct x86_cpu *c, const struct insn *i)
{
	unsigned level = i->imm2 & 31, os = i->os, ss = i->ss;
	uint64_t m = size_mask(ss), sp = sp_get(c, ss), bp = c->s.gpr[RBP], frame;

	sp = (sp - os) & m;
	seg_write(c, SEG_SS, sp, os, bp);
	frame = sp;
	for (unsigned l = 1; l < level; l++) {
		bp = (bp - os) & size_mask(ss);
		sp = (sp - os) & m;
		seg_write(c, SEG_SS, sp, os, seg_read(c, SEG_SS, bp & m, os));
	}
	if (level) {
		sp = (sp - os) & m;
		seg_write(c, SEG_SS, sp, os, frame);
	}
	reg_put(c, RBP * 8, os, frame);
	sp_put(c, ss, sp - i->imm);
	return 0;
}

/* lds les lss lfs lgs: offset then selector from memory. */
int h_lfar(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), off = seg_read(c, i->seg, ea, i->os);
	uint16_t sel = seg_read(c, i->seg, (ea + i->os) & size_mask(i->as), 2);

	seg_load(c, i->op, sel);
	reg_put(c, i->roff, i->os, off);
	c->s.rip = i->next;
	return 1;
}

/*
 * The hot forms with the operand size fixed: 32- and 64-bit loads, stores,
 * immediates, lea, push and pop of a register on a stack of the same width.
 * Memory goes through fast_ptr; anything else it declines is left to the
 * generic handler, which does the whole instruction.
 */
#define MOV_FORMS(bits, T, sz)								\
int h_mov_r##bits##_m(struct x86_cpu *c, const struct insn *i)				\
{											\
	void *p = fast_ptr(c, TLB_READ, i->seg, fast_ea(c, i), sz);			\
											\
	if (!p)										\
		return h_mov_r_rm(c, i);						\
	c->s.gpr[i->reg] = (T)host_load(p, sz);						\
	return 0;									\
}											\
int h_mov_m_r##bits(struct x86_cpu *c, const struct insn *i)				\
{											\
	void *p = fast_ptr(c, TLB_WRITE, i->seg, fast_ea(c, i), sz);			\
											\
	if (!p)										\
		return h_mov_rm_r(c, i);						\
	host_store(p, sz, c->s.gpr[i->reg]);						\
	return 0;									\
}											\
int h_mov_r##bits##_i(struct x86_cpu *c, const struct insn *i)				\
{											\
	c->s.gpr[i->reg] = (T)i->imm;							\
	return 0;									\
}											\
int h_lea_r##bits(struct x86_cpu *c, const struct insn *i)				\
{											\
	c->s.gpr[i->reg] = (T)fast_ea(c, i);						\
	return 0;									\
}											\
int h_push_r##bits(struct x86_cpu *c, const struct insn *i)				\
{											\
	T sp = (T)c->s.gpr[RSP] - sz;							\
	void *p = fast_ptr(c, TLB_WRITE, SEG_SS, sp, sz);				\
											\
	if (!p)										\
		return h_push_r(c, i);							\
	host_store(p, sz, c->s.gpr[i->reg]);						\
	c->s.gpr[RSP] = sp;								\
	return 0;									\
}											\
int h_pop_r##bits(struct x86_cpu *c, const struct insn *i)				\
{											\
	T sp = (T)c->s.gpr[RSP];							\
	void *p = fast_ptr(c, TLB_READ, SEG_SS, sp, sz);				\
	T v;										\
											\
	if (!p)										\
		return h_pop_r(c, i);							\
	v = host_load(p, sz);								\
	c->s.gpr[RSP] = (T)(sp + sz);							\
	c->s.gpr[i->reg] = v;								\
	return 0;									\
}
MOV_FORMS(32, uint32_t, 4)
MOV_FORMS(64, uint64_t, 8)

/* dst at rmoff, src at roff, as h_mov_r32_r32. */
int h_mov_r64_r64(struct x86_cpu *c, const struct insn *i)
{
	uint8_t *g = (uint8_t *)c->s.gpr;

	memcpy(g + i->rmoff, g + i->roff, 8);
	return 0;
}
