/* Guest support: a COM1 driver that polls LSR.THRE, number printing, the
 * libgcc helpers -m32 code needs for 64-bit division, and mem* for gcc. */
#include "lib.h"

#define COM1 0x3f8
#define LSR_THRE 0x20

void ser_putc(char c)
{
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, c);
}

void ser_puts(const char *s)
{
	while (*s)
		ser_putc(*s++);
}

void put_hex(uint32_t v)
{
	ser_puts("0x");
	for (int sh = 28; sh >= 0; sh -= 4)
		ser_putc("0123456789abcdef"[(v >> sh) & 15]);
}

void put_dec(uint32_t v)
{
	char b[12];
	int n = 0;

	do
		b[n++] = '0' + v % 10;
	while (v /= 10);
	while (n)
		ser_putc(b[--n]);
}

void guest_exit(uint32_t code)
{
	for (;;)
		outl(0xf4, code);
}

void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

/* Shift-and-subtract division: what libgcc provides on a hosted -m32. */
static uint64_t udivmod(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	return udivmod(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	udivmod(n, d, &r);
	return r;
}

int64_t __divdi3(int64_t n, int64_t d)
{
	uint64_t r, q = udivmod(n < 0 ? -(uint64_t)n : (uint64_t)n, d < 0 ? -(uint64_t)d : (uint64_t)d, &r);

	return (n < 0) != (d < 0) ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t n, int64_t d)
{
	uint64_t r;

	udivmod(n < 0 ? -(uint64_t)n : (uint64_t)n, d < 0 ? -(uint64_t)d : (uint64_t)d, &r);
	return n < 0 ? -(int64_t)r : (int64_t)r;
}
