/*
 * The classic FPU: loads and stores in single and double, arithmetic,
 * fused multiply-add, compares, conversions and the FPSCR moves, each
 * result shown as its bits.
 */
#include "lib.h"

static void showd(const char *label, double d)
{
	union { double d; uint32_t w[2]; } u = { .d = d };

	puts(label);
	puts("=");
	puthex(u.w[0]);
	puthex(u.w[1]);
	putc('\n');
}

static volatile double dv[] = { 1.5, -2.25, 3.0e100, 1.0e-300, 0.1, 7.0, -0.0 };
static volatile float fv[] = { 1.25f, -3.5f, 1.0e30f };

/* Out of line: the compiler must not move FP work above the mtmsr that enables the FPU. */
static void __attribute__((noinline)) fpu_tests(void)
{
	double a, b, c, r;
	float f;
	uint32_t w, fpscr[2];

	for (unsigned i = 0; i + 2 < sizeof(dv) / sizeof(dv[0]); i++) {
		a = dv[i]; b = dv[i + 1]; c = dv[i + 2];
		showd("add", a + b);
		showd("sub", a - b);
		showd("mul", a * b);
		showd("div", a / b);
		__asm__("fmadd %0, %1, %2, %3" : "=f"(r) : "f"(a), "f"(b), "f"(c)); showd("fmadd", r);
		__asm__("fnmsub %0, %1, %2, %3" : "=f"(r) : "f"(a), "f"(b), "f"(c)); showd("fnmsub", r);
		__asm__("fadds %0, %1, %2" : "=f"(r) : "f"(a), "f"(b)); showd("fadds", r);
		__asm__("frsp %0, %1" : "=f"(r) : "f"(c)); showd("frsp", r);
		__asm__("fctiwz %0, %1\n\tstfiwx %0, 0, %2" : "=&f"(r) : "f"(a * 1000.0), "r"(&w) : "memory");
		show("fctiwz", w);
		__asm__("fcmpu 3, %1, %2\n\tmfcr %0" : "=r"(w) : "f"(a), "f"(b) : "cr3"); show("fcmpu", w & 0x000f0000);
		__asm__("fabs %0, %1" : "=f"(r) : "f"(b)); showd("fabs", r);
		__asm__("fnabs %0, %1" : "=f"(r) : "f"(a)); showd("fnabs", r);
		__asm__("fsel %0, %1, %2, %3" : "=f"(r) : "f"(b), "f"(a), "f"(c)); showd("fsel", r);
	}
	for (unsigned i = 0; i < 3; i++) {
		f = fv[i];
		showd("lfs", f);
		f = (float)(f * 3.0);
		showd("stfs/lfs", f);
	}
	__asm__ volatile("mtfsfi 7, 1\n\tmffs %0" : "=f"(r)); 	/* round toward zero */
	__asm__ volatile("stfd %1, 0(%0)" : : "b"(fpscr), "f"(r) : "memory");
	show("fpscr rn", fpscr[1] & 3);
	a = dv[4];
	showd("0.1*7 toward zero", a * dv[5]);
	__asm__ volatile("mtfsfi 7, 0");
	showd("0.1*7 nearest", a * dv[5]);
	__asm__ volatile("mtfsb1 28\n\tmtfsb0 28\n\tmffs %0" : "=f"(r));
	__asm__ volatile("stfd %1, 0(%0)" : : "b"(fpscr), "f"(r) : "memory");
	show("fpscr after ops", fpscr[1] & 0x9ff800ff);
}

int main(void)
{
	puts("fpu\n");
	mtmsr(mfmsr() | MSR_FP);
	fpu_tests();
	return 0;
}
