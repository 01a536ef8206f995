#include "pgcheck.h"

int failures;

void check(const char *what, int ok)
{
	if (!ok) {
		failures++;
		ser_puts("FAIL ");
		ser_puts(what);
		ser_puts("\n");
	}
}

void report(const char *what, uint32_t bits, int kind, uint64_t want, uint64_t got)
{
	failures++;
	ser_puts(what);
	ser_puts(" bits=");
	put_hex(bits);
	ser_puts(" kind=");
	put_dec(kind);
	ser_puts(" want=");
	put_hex(want);
	ser_puts(" got=");
	put_hex(got);
	ser_puts("\n");
}

uint64_t access_fault(int kind, int cpl3, int user, int writable, int nx, int wp, int smep, int smap,
		      int ac, int fetch_id)
{
	int fault;

	if (cpl3)
		fault = !user || (kind == WR && !writable) || (kind == FX && nx);
	else if (kind == RD)
		fault = smap && user && !ac;
	else if (kind == WR)
		fault = (!writable && wp) || (smap && user && !ac);
	else
		fault = nx || (smep && user);
	if (!fault)
		return 0;
	/* P, W/R, U/S, I/D */
	return 1 | (kind == WR ? 2 : 0) | (cpl3 ? 4 : 0) | (kind == FX && fetch_id ? 0x10 : 0);
}
