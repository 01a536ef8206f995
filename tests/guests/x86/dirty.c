/* Writes for the dirty log: pages 0x200 0x201 0x205, a stop (port 0x510), then 0x300. */
#include "lib.h"

static void touch(uint32_t gfn)
{
	*(volatile uint8_t *)(gfn << 12) = 0xaa;
}

int main(void)
{
	touch(0x200);
	touch(0x201);
	touch(0x205);
	outb(0x510, 1);
	touch(0x300);
	ser_puts("dirty: done\n");
	return 0;
}
