/*
 * Integer work whose printed results must be identical on the guest and
 * on the host (the same source, compiled for both): sorting, hashing,
 * 64-bit division, a sieve.  `rounds` scales the work for benchmarks.
 * Freestanding: no library calls, output through `emit`.
 */
#include <stdint.h>

#define NSORT 512
#define SIEVE 20000

static void emit_num(void (*emit)(const char *), const char *label, uint64_t v)
{
	char b[64];
	int n = 0, k = 0;
	char d[21];

	while (label[n]) {
		b[n] = label[n];
		n++;
	}
	b[n++] = '=';
	do
		d[k++] = '0' + v % 10;
	while (v /= 10);
	while (k)
		b[n++] = d[--k];
	b[n++] = '\n';
	b[n] = 0;
	emit(b);
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void quicksort(uint32_t *a, int lo, int hi)
{
	while (lo < hi) {
		uint32_t p = a[(lo + hi) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				uint32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static uint32_t crc32(const uint8_t *p, unsigned n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

static uint32_t fnv1a(const uint8_t *p, unsigned n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

void compute_run(unsigned rounds, void (*emit)(const char *))
{
	static uint32_t a[NSORT];
	static uint8_t composite[SIEVE];
	static const char text[] = "The quick brown fox jumps over the lazy dog; vmmfs runs it.";
	uint32_t seed = 2463534242u, sorted_sum = 0, crc = 0, fnv = 0, primes = 0;
	uint64_t q = 0x123456789abcdef0ull, acc = 0;
	int64_t s = -0x0fedcba987654321ll, sacc = 0;

	for (unsigned r = 0; r < rounds; r++) {
		for (int i = 0; i < NSORT; i++)
			a[i] = xorshift(&seed);
		quicksort(a, 0, NSORT - 1);
		for (int i = 1; i < NSORT; i++)
			if (a[i - 1] > a[i])
				sorted_sum = 0xdeadbeef;	/* not sorted: shows in the output */
		for (int i = 0; i < NSORT; i++)
			sorted_sum += a[i] * (uint32_t)(i + 1);
		crc ^= crc32((const uint8_t *)text, sizeof(text) - 1) + r;
		fnv ^= fnv1a((const uint8_t *)a, sizeof(a));
		for (int i = 0; i < 64; i++) {
			uint64_t d = (xorshift(&seed) | 1) + ((uint64_t)(i & 3) << 32);

			acc += q / d + q % (d >> 3 | 1);
			q = q * 6364136223846793005ull + 1442695040888963407ull;
			sacc += s / (int64_t)(int32_t)(xorshift(&seed) | 1) - s % 1000003;
			s = -(s ^ (int64_t)q) / 3;
		}
		for (int i = 0; i < SIEVE; i++)
			composite[i] = 0;
		primes = 0;
		for (int i = 2; i < SIEVE; i++) {
			if (composite[i])
				continue;
			primes++;
			for (int j = i * 2; j < SIEVE; j += i)
				composite[j] = 1;
		}
	}
	emit_num(emit, "rounds", rounds);
	emit_num(emit, "sorted_sum", sorted_sum);
	emit_num(emit, "crc32", crc);
	emit_num(emit, "fnv1a", fnv);
	emit_num(emit, "div64", acc);
	emit_num(emit, "idiv64", (uint64_t)sacc);
	emit_num(emit, "primes", primes);
}
