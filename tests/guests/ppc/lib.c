#include "lib.h"

#define UART0 ((volatile uint8_t *)0xef600300)

void putc(char c)
{
	while (!(UART0[5] & 0x20))	/* LSR: THR empty */
		;
	UART0[0] = c;
}

void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

void puthex(uint32_t v)
{
	puts("0x");
	for (int i = 28; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 0xf]);
}

void putdec(uint32_t v)
{
	char b[12];
	int n = 0;

	do
		b[n++] = '0' + v % 10;
	while ((v /= 10));
	while (n)
		putc(b[--n]);
}

void show(const char *label, uint32_t v)
{
	puts(label);
	puts("=");
	puthex(v);
	putc('\n');
}

void guest_exit(void)
{
	mtspr(SPR_DBCR0, 0x30000000);	/* reset the system, as Linux's 44x restart does */
	for (;;)
		;
}

__attribute__((weak)) void int_handler(unsigned vector, struct frame *f)
{
	show("unexpected interrupt", vector);
	show("srr0", f->srr0);
	show("esr", mfspr(SPR_ESR));
	show("dear", mfspr(SPR_DEAR));
	guest_exit();
}

void *memset(void *d, int c, unsigned long n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

/* User mode: to_user runs fn with MSR[PR] set; fn returns to user_tramp, whose sc comes back here. */
static uint32_t cont[3];	/* pc, r1, msr to continue with */

__asm__(".globl user_tramp\n"
	"user_tramp:\n"
	"	li %r0, 0x99\n"
	"	sc\n");

void to_user(void (*fn)(void))
{
	__asm__ volatile(
		"lis %%r9, 1f@ha\n\t"
		"addi %%r9, %%r9, 1f@l\n\t"
		"stw %%r9, 0(%1)\n\t"
		"stw %%r1, 4(%1)\n\t"
		"mtsrr0 %0\n\t"
		"mfmsr %%r9\n\t"
		"stw %%r9, 8(%1)\n\t"
		"ori %%r9, %%r9, 0x4000\n\t"
		"mtsrr1 %%r9\n\t"
		"lis %%r9, user_tramp@ha\n\t"
		"addi %%r9, %%r9, user_tramp@l\n\t"
		"mtlr %%r9\n\t"
		"rfi\n"
		"1:\n"
		: : "r"(fn), "b"(cont)
		: "r0", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "ctr", "lr",
		  "cr0", "cr1", "cr5", "cr6", "cr7", "memory");
}

int user_return(unsigned vector, struct frame *f)
{
	if (vector != 8 || f->gpr[0] != 0x99)
		return 0;
	f->srr0 = cont[0];
	f->gpr[1] = cont[1];
	f->srr1 = cont[2];
	return 1;
}

void tlb_set(unsigned idx, uint32_t w0, uint32_t w1, uint32_t w2, unsigned tid)
{
	mtspr(SPR_MMUCR, (mfspr(SPR_MMUCR) & ~0xffu) | tid);
	__asm__ volatile("tlbwe %0, %3, 0\n\t"
			 "tlbwe %1, %3, 1\n\t"
			 "tlbwe %2, %3, 2\n\t"
			 "isync"
			 : : "r"(w0), "r"(w1), "r"(w2), "r"(idx) : "memory");
}

void user_ram(void)
{
	/* entry 0: 0-256 MiB, everything for both privileges */
	tlb_set(0, 0x00000000 | TLB_V | TLB_256M, 0, 0x3f, 0);
}
