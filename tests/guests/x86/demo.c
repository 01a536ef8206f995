/* The `make run` demo: a few lines of real work on COM1. */
#include "lib.h"

static void put_pad(uint32_t v, int w)
{
	uint32_t t = v;
	int n = 1;

	while (t >= 10) {
		t /= 10;
		n++;
	}
	while (n++ < w)
		ser_putc(' ');
	put_dec(v);
}

int main(void)
{
	static uint8_t sieve[100];
	const char *s = "vmmfs: a VMM whose interface is a filesystem";
	uint32_t h = 2166136261u;
	uint32_t a = 0, b = 1;

	ser_puts("vmmfs demo guest: 32-bit protected mode, interpreted\n");
	ser_puts("primes below 100:");
	for (int i = 2; i < 100; i++) {
		if (sieve[i])
			continue;
		ser_putc(' ');
		put_dec(i);
		for (int j = i * i; j < 100; j += i)
			sieve[j] = 1;
	}
	ser_puts("\nfnv1a(\"");
	ser_puts(s);
	ser_puts("\") = ");
	for (const char *p = s; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	put_hex(h);
	ser_puts("\n   n    n^2     n^3  fib(n)\n");
	for (uint32_t n = 1; n <= 10; n++) {
		uint32_t t = a + b;

		a = b;
		b = t;
		put_pad(n, 4);
		put_pad(n * n, 7);
		put_pad(n * n * n, 8);
		put_pad(a, 8);
		ser_putc('\n');
	}
	ser_puts("bye\n");
	return 0;
}
