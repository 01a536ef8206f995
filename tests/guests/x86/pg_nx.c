/*
 * EFER.NXE written by wrmsr while PAE paging is on: the walk must follow
 * at once, as it does for CR0 and CR4 writes.  A page whose PTE has the
 * XD bit (63) is fetched from and read with NXE off (the bit is reserved:
 * #PF with P and RSVD), on (a fetch is #PF with P and I/D, a read works)
 * and off again, each with the error code and CR2 printed.  Built with
 * PAE only (pg_nx_pae.elf): 2-level paging has no XD bit.
 */
#include "pg.h"

#define VA 0x40000000u
#define FRAME 0x00600000u
#define EFER 0xc0000080u
#define EFER_NXE 0x800u

static void nxe_set(int on)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(EFER));
	lo = on ? lo | EFER_NXE : lo & ~EFER_NXE;
	__asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(EFER) : "memory");
}

static void show(const char *what, int kind)
{
	ser_puts(what);
	if (!probe(kind, VA)) {
		ser_puts(": no fault\n");
		return;
	}
	ser_puts(": vector=");
	put_dec(pf_vec);
	ser_puts(" error=");
	put_hex(pf_err);
	ser_puts(" cr2=");
	put_hex(pf_cr2);
	ser_putc('\n');
}

int main(void)
{
	*(volatile uint8_t *)FRAME = 0xc3;	/* ret: what a fetch that works runs */
	pg_init();
	*pg_pte(VA) = FRAME | P | W | NX;
	invlpg(VA);
	show("nxe=0 fetch", FX);
	show("nxe=0 read", RD);
	nxe_set(1);
	show("nxe=1 fetch", FX);
	show("nxe=1 read", RD);
	nxe_set(0);
	show("nxe=0 again fetch", FX);
	nxe_set(1);
	*pg_pte(VA) = FRAME | P | W;
	invlpg(VA);
	show("nxe=1 XD clear fetch", FX);
	ser_puts("pg_nx: done\n");
	return 0;
}
