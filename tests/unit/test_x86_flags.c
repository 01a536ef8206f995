/*
 * ALU results and flags against the host CPU: each operation runs natively
 * (inline asm, flags read back with pushf) and through the interpreter's
 * decoder and handler, over operands chosen to hit every carry, overflow,
 * sign and parity edge.  Flags the architecture leaves undefined for an
 * operation are masked out of the comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "arch/x86/exec.h"

#define ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

struct op {
	const char *name;
	uint8_t enc[4];		/* opcode and modrm with eax as rm/destination, ebx/cl as source */
	unsigned n;
	unsigned defined;	/* flags to compare */
	int shift;		/* count in cl: OF is defined only for a count of 1 */
};

/* Host execution: one function per (operation, size) by macro. */
#define HOST2(fn, insn, sz)								\
static uint64_t fn(uint64_t a, uint64_t b, int cf, uint64_t *fl)			\
{											\
	__asm__ volatile("bt $0, %[cf]\n\t" insn "\n\tpushfq\n\tpopq %[fl]"		\
			 : "+a"(a), [fl] "=r"(*fl) : "b"(b), "c"(b), [cf] "r"((uint64_t)cf) : "cc"); \
	return a;									\
}
#define HOST(name, insn) \
	HOST2(h8_##name, insn "b %%bl, %%al", 1) HOST2(h16_##name, insn "w %%bx, %%ax", 2) \
	HOST2(h32_##name, insn "l %%ebx, %%eax", 4)
#define HOSTS(name, insn) \
	HOST2(h8_##name, insn "b %%cl, %%al", 1) HOST2(h16_##name, insn "w %%cl, %%ax", 2) \
	HOST2(h32_##name, insn "l %%cl, %%eax", 4)
#define HOST1(name, insn) \
	HOST2(h8_##name, insn "b %%al", 1) HOST2(h16_##name, insn "w %%ax", 2) \
	HOST2(h32_##name, insn "l %%eax", 4)

HOST(add, "add") HOST(or, "or") HOST(adc, "adc") HOST(sbb, "sbb")
HOST(and, "and") HOST(sub, "sub") HOST(xor, "xor") HOST(cmp, "cmp") HOST(test, "test")
HOSTS(rol, "rol") HOSTS(ror, "ror") HOSTS(rcl, "rcl") HOSTS(rcr, "rcr")
HOSTS(shl, "shl") HOSTS(shr, "shr") HOSTS(sar, "sar")
HOST1(inc, "inc") HOST1(dec, "dec") HOST1(neg, "neg")
HOST2(h16_imul, "imulw %%bx, %%ax", 2) HOST2(h32_imul, "imull %%ebx, %%eax", 4)
HOST2(h16_bt, "btw %%bx, %%ax", 2) HOST2(h32_bt, "btl %%ebx, %%eax", 4)
HOST2(h16_bts, "btsw %%bx, %%ax", 2) HOST2(h32_bts, "btsl %%ebx, %%eax", 4)
HOST2(h16_bsf, "bsfw %%bx, %%ax", 2) HOST2(h32_bsf, "bsfl %%ebx, %%eax", 4)
HOST2(h16_bsr, "bsrw %%bx, %%ax", 2) HOST2(h32_bsr, "bsrl %%ebx, %%eax", 4)
HOST2(h16_shld, "shldw %%cl, %%bx, %%ax", 2) HOST2(h32_shld, "shldl %%cl, %%ebx, %%eax", 4)
HOST2(h16_shrd, "shrdw %%cl, %%bx, %%ax", 2) HOST2(h32_shrd, "shrdl %%cl, %%ebx, %%eax", 4)

typedef uint64_t (*hostfn)(uint64_t, uint64_t, int, uint64_t *);

struct test {
	const char *name;
	hostfn host[3];		/* 8, 16, 32 bits (NULL: no such form) */
	uint8_t enc[3];		/* byte form; +1 is the wider form's opcode unless wide_op */
	unsigned nenc;
	unsigned defined;
	int shift;		/* OF defined only when the count is 1 */
	int twobyte;		/* 0f xx: no byte form, opcode as given */
};

#define T(n, op, modrm, def, sh) { #n, { h8_##n, h16_##n, h32_##n }, { op, modrm }, 2, def, sh, 0 }
#define T2(n, op2, modrm, def, sh) { #n, { NULL, h16_##n, h32_##n }, { 0x0f, op2, modrm }, 3, def, sh, 1 }

static const struct test tests[] = {
	T(add, 0x00, 0xd8, ARITH, 0), T(or, 0x08, 0xd8, ARITH & ~FL_AF, 0),
	T(adc, 0x10, 0xd8, ARITH, 0), T(sbb, 0x18, 0xd8, ARITH, 0),
	T(and, 0x20, 0xd8, ARITH & ~FL_AF, 0), T(sub, 0x28, 0xd8, ARITH, 0),
	T(xor, 0x30, 0xd8, ARITH & ~FL_AF, 0), T(cmp, 0x38, 0xd8, ARITH, 0),
	T(test, 0x84, 0xd8, ARITH & ~FL_AF, 0),
	T(rol, 0xd2, 0xc0, FL_CF | FL_OF, 1), T(ror, 0xd2, 0xc8, FL_CF | FL_OF, 1),
	T(rcl, 0xd2, 0xd0, FL_CF | FL_OF, 1), T(rcr, 0xd2, 0xd8, FL_CF | FL_OF, 1),
	T(shl, 0xd2, 0xe0, ARITH & ~FL_AF, 1), T(shr, 0xd2, 0xe8, ARITH & ~FL_AF, 1),
	T(sar, 0xd2, 0xf8, ARITH & ~FL_AF, 1),
	T(inc, 0xfe, 0xc0, ARITH, 0), T(dec, 0xfe, 0xc8, ARITH, 0), T(neg, 0xf6, 0xd8, ARITH, 0),
	T2(imul, 0xaf, 0xc3, FL_CF | FL_OF, 0),
	T2(bt, 0xa3, 0xd8, FL_CF, 0), T2(bts, 0xab, 0xd8, FL_CF, 0),
	T2(bsf, 0xbc, 0xc3, FL_ZF, 0), T2(bsr, 0xbd, 0xc3, FL_ZF, 0),
	T2(shld, 0xa5, 0xd8, ARITH & ~FL_AF, 1), T2(shrd, 0xad, 0xd8, ARITH & ~FL_AF, 1),
};

static const uint64_t vals[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
	0x80000000, 0xffffffff, 0x0f0f0f0f, 0xf0f0f0f0, 0x12345678, 0x89abcdef, 0x55, 0xaa,
	0x1f, 0x20, 0x21, 31, 32, 33, 15, 16, 17, 7, 8, 9,
};

static struct x86_cpu *cpu;

static uint64_t emu(const struct test *t, unsigned size, uint64_t a, uint64_t b, int cf, uint64_t *fl)
{
	uint8_t bytes[8];
	unsigned n = 0;
	struct fetcher f;
	struct insn i;

	if (size == 2)
		bytes[n++] = 0x66;
	memcpy(bytes + n, t->enc, t->nenc);
	if (!t->twobyte && size > 1)
		bytes[n] |= 1;	/* the operand-size form of the byte opcode */
	n += t->nenc;
	memset(&f, 0, sizeof(f));
	f.p = bytes;
	f.avail = n;
	x86_decode(&f, MODE_OP32 | MODE_STK32 | MODE_PE, 0, &i);
	cpu->s.gpr[RAX] = a;
	cpu->s.gpr[RBX] = b;
	cpu->s.gpr[RCX] = b;
	flags_set(cpu, cf ? FL_CF : 0);
	i.fn(cpu, &i);
	*fl = flags_get(cpu);
	return cpu->s.gpr[RAX];
}

int main(void)
{
	static struct vcpu v;
	unsigned sizes[3] = { 1, 2, 4 };

	cpu = calloc(1, sizeof(*cpu));
	cpu->v = &v;
	v.arch = cpu;
	for (unsigned k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
		const struct test *t = &tests[k];

		for (unsigned s = 0; s < 3; s++) {
			unsigned size = sizes[s], cases = 0, bad = 0;
			uint64_t m = size_mask(size);

			if (!t->host[s])
				continue;
			for (unsigned x = 0; x < sizeof(vals) / sizeof(vals[0]); x++)
				for (unsigned y = 0; y < sizeof(vals) / sizeof(vals[0]); y++)
					for (int cf = 0; cf < 2; cf++) {
						uint64_t a = vals[x] * 0x0101010101010101ull, b = vals[y];
						uint64_t hf, ef, hr, er;
						unsigned def = t->defined;

						if (!t->shift)
							b *= 0x0101010101010101ull;
						if (t->shift && (b & 0x1f) != 1)
							def &= ~FL_OF;
						/* a zero count leaves the flags as they were, and the host's
						 * were undefined before the operation: nothing to compare */
						if (t->shift && !(b & 0x1f))
							continue;
						hr = t->host[s](a, b, cf, &hf);
						er = emu(t, size, a, b, cf, &ef);
						/* shld/shrd counts beyond 16 bits are undefined in the 16-bit form */
						if (size == 2 && (t->enc[1] == 0xa5 || t->enc[1] == 0xad) && (b & 0x1f) > 16)
							continue;
						/* bsf/bsr with a zero source: destination undefined */
						if (!(b & m) && (t->enc[1] == 0xbc || t->enc[1] == 0xbd))
							hr = er;
						cases++;
						if ((hr & m) != (er & m) || ((hf ^ ef) & def)) {
							if (bad++ < 3)
								printf("#   %s%u a=0x%llx b=0x%llx cf=%d: host res=0x%llx "
								       "flags=0x%llx, emu res=0x%llx flags=0x%llx (compared 0x%x)\n",
								       t->name, size * 8, (unsigned long long)(a & m),
								       (unsigned long long)b, cf, (unsigned long long)(hr & m),
								       (unsigned long long)(hf & ARITH),
								       (unsigned long long)(er & m),
								       (unsigned long long)(ef & ARITH), def);
						}
					}
			CHECK(!bad, "%s %u-bit: result and flags match the host in %u cases", t->name,
			      size * 8, cases);
		}
	}
	free(cpu);
	return check_done();
}
