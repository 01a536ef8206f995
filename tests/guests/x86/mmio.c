/* MMIO outside every memslot: a write and a read that exit to userspace. */
#include "lib.h"

int main(void)
{
	volatile uint32_t *dev = (volatile uint32_t *)0xd0000000;
	uint32_t v;

	dev[0] = 0x12345678;
	v = dev[1];
	ser_puts("mmio: read ");
	put_hex(v);
	ser_puts("\n");
	return 0;
}
