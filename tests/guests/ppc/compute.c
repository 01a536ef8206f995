/*
 * An integer workload whose output depends on every step: the guest's
 * console must match the same C built for the host (make builds both).
 * Sieve, CRC-32, a multiply/divide hash, insertion-sorted arrays, 64-bit
 * arithmetic and string scanning.
 */
#include <stdint.h>

#ifdef HOST
#include <stdio.h>
static void out(char c) { putchar(c); }
#else
#include "lib.h"
static void out(char c) { putc(c); }
#endif

static void say(const char *s) { while (*s) out(*s++); }

static void hex(uint32_t v)
{
	for (int i = 28; i >= 0; i -= 4)
		out("0123456789abcdef"[(v >> i) & 0xf]);
}

static void line(const char *label, uint32_t v)
{
	say(label);
	say("=0x");
	hex(v);
	out('\n');
}

#define N 200000
static uint8_t composite[N];
static uint32_t arr[2000];
static uint32_t crc_table[256];

static uint32_t sieve(void)
{
	uint32_t count = 0, sum = 0;

	for (uint32_t i = 2; i < N; i++) {
		if (composite[i])
			continue;
		count++;
		sum = sum * 31 + i;
		for (uint32_t j = i * 2; j < N; j += i)
			composite[j] = 1;
	}
	return count ^ sum;
}

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xffffffffu;

	if (!crc_table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t k = i;
			for (int j = 0; j < 8; j++)
				k = k & 1 ? 0xedb88320u ^ (k >> 1) : k >> 1;
			crc_table[i] = k;
		}
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static uint32_t muldiv(void)
{
	uint32_t h = 0x12345678u;
	int32_t s = -987654321;

	for (uint32_t i = 1; i < 300000; i++) {
		h = h * 2654435761u + i;
		h ^= h >> 13;
		h += (h / (i | 1)) ^ (h % 97);
		s = s / 3 + (int32_t)(h % 1000) - (s % 7);
	}
	return h ^ (uint32_t)s;
}

static uint32_t sort(void)
{
	uint32_t x = 1, acc = 0;

	for (int i = 0; i < 2000; i++) {
		x = x * 1103515245u + 12345u;
		arr[i] = x >> 8;
	}
	for (int i = 1; i < 2000; i++) {
		uint32_t v = arr[i];
		int j = i - 1;
		while (j >= 0 && arr[j] > v) {
			arr[j + 1] = arr[j];
			j--;
		}
		arr[j + 1] = v;
	}
	for (int i = 0; i < 2000; i += 7)
		acc = acc * 33 + arr[i];
	return acc;
}

static uint32_t wide(void)
{
	uint64_t a = 0x123456789abcdefull, b = 0xfedcba987ull;
	int64_t s = -5;

	for (int i = 0; i < 20000; i++) {
		a = a * 6364136223846793005ull + 1442695040888963407ull;
		b += a >> 17;
		s = s * 3 - (int64_t)(b % 1000003);
		if (s < -1000000000000ll || s > 1000000000000ll)
			s /= 1000;
	}
	return (uint32_t)(a ^ (a >> 32) ^ b ^ (uint64_t)s);
}

static uint32_t strings(void)
{
	static char buf[4096];
	uint32_t h = 5381, n = 0;

	for (int i = 0; i < 4095; i++)
		buf[i] = "the quick brown fox jumps over the lazy dog "[(i * 7) % 44];
	for (int round = 0; round < 50; round++)
		for (const char *p = buf; *p; p++) {
			h = h * 33 + (uint8_t)*p;
			if (*p == ' ')
				n++;
		}
	return h ^ n;
}

int main(void)
{
	say("compute\n");
	line("sieve", sieve());
	line("crc32", crc32(composite, N));
	line("muldiv", muldiv());
	line("sort", sort());
	line("wide", wide());
	line("strings", strings());
	return 0;
}
