/*
 * The integer ISA, group by group: every line is one instruction's result,
 * XER and CR for edge-case operands, so any difference from QEMU shows.
 */
#include "lib.h"

static const uint32_t vals[] = { 0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678, 0xfffffffe };
#define NV (sizeof(vals) / sizeof(vals[0]))

static uint32_t sum;	/* folds everything, printed at the end */

static void out3(const char *name, uint32_t a, uint32_t b, uint32_t r, uint32_t xer, uint32_t cr)
{
	puts(name);
	putc(' ');
	puthex(a);
	putc(' ');
	puthex(b);
	puts(" -> ");
	puthex(r);
	puts(" xer=");
	puthex(xer & 0xe000007f);
	puts(" cr=");
	puthex(cr);
	putc('\n');
	sum = sum * 31 + r + xer + cr;
}

/* Run `insn rD, rA, rB` with XER[CA] set from `ca`, capturing XER and CR. */
#define XO2(insn, a, b, ca) do { \
	uint32_t r_, x_, c_, xi_ = (ca) ? 0x20000000 : 0; \
	__asm__ volatile("mtxer %3\n\tmtcr %6\n\t" insn " %0, %4, %5\n\tmfxer %1\n\tmfcr %2" \
			 : "=&r"(r_), "=&r"(x_), "=&r"(c_) : "r"(xi_), "r"(a), "r"(b), "r"(0) \
			 : "cr0", "cr1", "xer"); \
	out3(insn, a, b, r_, x_, c_); \
} while (0)

#define XO1(insn, a, ca) do { \
	uint32_t r_, x_, c_, xi_ = (ca) ? 0x20000000 : 0; \
	__asm__ volatile("mtxer %3\n\tmtcr %5\n\t" insn " %0, %4\n\tmfxer %1\n\tmfcr %2" \
			 : "=&r"(r_), "=&r"(x_), "=&r"(c_) : "r"(xi_), "r"(a), "r"(0) \
			 : "cr0", "xer"); \
	out3(insn, a, 0, r_, x_, c_); \
} while (0)

static void arith(void)
{
	for (unsigned i = 0; i < NV; i++)
		for (unsigned j = 0; j < NV; j += 3) {
			uint32_t a = vals[i], b = vals[j];
			XO2("addo.", a, b, 0);
			XO2("addco.", a, b, 0);
			XO2("addeo.", a, b, 1);
			XO2("subfo.", a, b, 0);
			XO2("subfco.", a, b, 0);
			XO2("subfeo.", a, b, 0);
			XO2("mullwo.", a, b, 0);
			XO2("mulhw.", a, b, 0);
			XO2("mulhwu.", a, b, 0);
			if (b) {
				XO2("divwo.", a, b, 0);
				XO2("divwuo.", a, b, 0);
			}
			XO2("slw.", a, b & 63, 0);
			XO2("srw.", a, b & 63, 0);
			XO2("sraw.", a, b & 63, 0);
			XO2("and.", a, b, 0);
			XO2("nand.", a, b, 0);
			XO2("orc.", a, b, 0);
			XO2("eqv.", a, b, 0);
			XO2("mulhhw.", a, b, 0);
			XO2("mullhwu", a, b, 0);
		}
	for (unsigned i = 0; i < NV; i++) {
		XO1("addmeo.", vals[i], 1);
		XO1("addzeo.", vals[i], 1);
		XO1("subfmeo.", vals[i], 0);
		XO1("subfzeo.", vals[i], 1);
		XO1("nego.", vals[i], 0);
		XO1("cntlzw.", vals[i], 0);
		XO1("extsb.", vals[i], 0);
		XO1("extsh.", vals[i], 0);
	}
}

static void rotate(void)
{
	uint32_t r, a = 0x12345678;

	for (unsigned i = 0; i < NV; i++) {
		uint32_t v = vals[i];

		__asm__("rlwinm %0, %1, 5, 3, 20" : "=r"(r) : "r"(v)); show("rlwinm", r);
		__asm__("rlwinm %0, %1, 31, 28, 3" : "=r"(r) : "r"(v)); show("rlwinm wrap", r);
		__asm__("rlwnm %0, %1, %2, 0, 31" : "=r"(r) : "r"(v), "r"(i * 5)); show("rlwnm", r);
		r = a;
		__asm__("rlwimi %0, %1, 8, 8, 15" : "+r"(r) : "r"(v)); show("rlwimi", r);
		__asm__("srawi %0, %1, 4" : "=r"(r) : "r"(v)); show("srawi", r);
		__asm__("mfxer %0" : "=r"(r)); show("  xer", r & 0x20000000);
	}
}

static void compare_and_cr(void)
{
	uint32_t cr;

	for (unsigned i = 0; i < NV; i++)
		for (unsigned j = 0; j < NV; j += 2) {
			__asm__("cmpw 3, %1, %2\n\tcmplw 5, %1, %2\n\tcmpwi 1, %1, -5\n\tcmplwi 7, %1, 7\n\tmfcr %0"
				: "=r"(cr) : "r"(vals[i]), "r"(vals[j]) : "cr1", "cr3", "cr5", "cr7");
			sum = sum * 7 + cr;
		}
	show("compares folded", sum);
	__asm__ volatile("mtcr %1\n\t"
			 "crand 0, 1, 2\n\tcror 3, 4, 5\n\tcrxor 6, 7, 8\n\tcrnand 9, 10, 11\n\t"
			 "crnor 12, 13, 14\n\tcreqv 15, 16, 17\n\tcrandc 18, 19, 20\n\tcrorc 21, 22, 23\n\t"
			 "mcrf 7, 2\n\tmfcr %0" : "=r"(cr) : "r"(0x5a3c96e1) : "cr0", "cr1", "cr2", "cr3",
			 "cr4", "cr5", "cr6", "cr7");
	show("cr logical", cr);
	__asm__ volatile("mtxer %1\n\tmcrxr 4\n\tmfcr %0" : "=r"(cr) : "r"(0xe0000000) : "cr4", "xer");
	show("mcrxr", cr & 0x0000f000);
	__asm__ volatile("mtcrf 0x81, %1\n\tmfcr %0" : "=r"(cr) : "r"(0xffffffff) : "cr0", "cr7");
	show("mtcrf", cr & 0xf000000f);
}

static uint32_t mem[64] __attribute__((aligned(32)));

static void memory(void)
{
	uint32_t r, a, regs[4];
	uint8_t *b = (uint8_t *)mem;

	for (int i = 0; i < 64; i++)
		mem[i] = 0x01020304u * (i + 1);
	__asm__("lwbrx %0, 0, %1" : "=r"(r) : "r"(&mem[1])); show("lwbrx", r);
	__asm__("lhbrx %0, 0, %1" : "=r"(r) : "r"(b + 2)); show("lhbrx", r);
	__asm__("lha %0, 0(%1)" : "=r"(r) : "r"(b + 252)); show("lha", r);
	__asm__ volatile("stwbrx %0, 0, %1" : : "r"(0xaabbccdd), "r"(&mem[2]) : "memory"); show("stwbrx", mem[2]);
	__asm__ volatile("sthbrx %0, 0, %1" : : "r"(0x1122), "r"(b + 12) : "memory"); show("sthbrx", mem[3]);
	a = (uint32_t)&mem[4];
	__asm__ volatile("lwzu %0, 8(%1)" : "=r"(r), "+b"(a)); show("lwzu", r); show("  ea", a - (uint32_t)mem);
	__asm__ volatile("stbu %1, 1(%0)" : "+b"(a) : "r"(0x99) : "memory"); show("stbu", mem[6]);
	/* misaligned and page-crossing word */
	__asm__ volatile("lwz %0, 1(%1)" : "=r"(r) : "b"(mem)); show("misaligned lwz", r);
	/* lmw / stmw with r28-r31 */
	__asm__ volatile("lmw 28, 0(%1)\n\tstw 28, 0(%0)\n\tstw 29, 4(%0)\n\tstw 30, 8(%0)\n\tstw 31, 12(%0)"
			 : : "b"(regs), "b"(&mem[8]) : "r28", "r29", "r30", "r31", "memory");
	show("lmw r28", regs[0]); show("lmw r31", regs[3]);
	__asm__ volatile("li 29, 77\n\tli 30, 78\n\tli 31, 79\n\tstmw 29, 0(%0)" : : "b"(&mem[20]) : "r29", "r30", "r31", "memory");
	show("stmw", mem[20] + mem[21] * 256 + mem[22] * 65536);
	/* strings: 7 bytes into r5, r6 */
	__asm__ volatile("lswi 5, %2, 7\n\tmr %0, 5\n\tmr %1, 6" : "=r"(regs[0]), "=r"(regs[1]) : "b"(b + 1) : "r5", "r6");
	show("lswi r5", regs[0]); show("lswi r6", regs[1]);
	__asm__ volatile("lis 5, 0x4142\n\tori 5, 5, 0x4344\n\tli 6, 0x4546\n\tslwi 6, 6, 16\n\tstswi 5, %0, 6"
			 : : "b"(b + 40) : "r5", "r6", "memory");
	show("stswi", mem[10]); show("stswi+", mem[11]);
	__asm__ volatile("mtxer %3\n\tlswx 7, %1, %2\n\tmr %0, 7" : "=r"(r) : "b"(b), "r"(5), "r"(3) : "r7", "r8", "xer");
	show("lswx", r);
	/* lwarx/stwcx.: success, then failure without a reservation */
	__asm__ volatile("lwarx %0, 0, %1\n\taddi %0, %0, 1\n\tstwcx. %0, 0, %1\n\tmfcr %0"
			 : "=&r"(r) : "r"(&mem[30]) : "cr0", "memory");
	show("stwcx. cr", r & 0xf0000000); show("  mem", mem[30]);
	__asm__ volatile("stwcx. %1, 0, %2\n\tmfcr %0" : "=&r"(r) : "r"(5), "r"(&mem[30]) : "cr0", "memory");
	show("stwcx. again cr", r & 0xf0000000); show("  mem", mem[30]);
	/* dcbz: a whole 32-byte line */
	__asm__ volatile("dcbz 0, %0" : : "r"(&mem[40]) : "memory");
	show("dcbz", mem[39] ^ mem[40] ^ mem[47] ^ mem[48]);
	__asm__ volatile("dcbst 0, %0\n\tdcbf 0, %0\n\tdcbt 0, %0\n\tsync\n\ticbi 0, %0\n\tisync\n\tmsync\n\tmbar"
			 : : "r"(&mem[0]) : "memory");
	/* dlmzb */
	__asm__ volatile("dlmzb. %0, %2, %3\n\tmfcr %1" : "=r"(r), "=r"(a) : "r"(0x41420043), "r"(0x44454647) : "cr0", "xer");
	show("dlmzb", r); show("  cr0", a & 0xf0000000);
}

/* Self-modifying code: a store over an instruction that already ran. */
uint32_t patched(void);
__asm__(".pushsection .data\n"
	".globl patched\n"
	"patched:\n"
	"	li 3, 1\n"
	"	blr\n"
	".popsection\n");

static void selfmod(void)
{
	uint32_t *code = (uint32_t *)patched;

	show("before patch", patched());
	code[0] = 0x38600002;		/* li r3, 2 */
	__asm__ volatile("dcbst 0, %0\n\tsync\n\ticbi 0, %0\n\tisync" : : "r"(code) : "memory");
	show("after patch", patched());
}

int main(void)
{
	puts("isa\n");
	arith();
	rotate();
	compare_and_cr();
	memory();
	selfmod();
	show("fold", sum);
	return 0;
}
