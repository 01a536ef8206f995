/* Port I/O that no device claims: the run exits to userspace for both. */
#include "lib.h"

int main(void)
{
	uint8_t v = inb(0x510);

	ser_puts("io: read ");
	put_hex(v);
	ser_puts("\n");
	outb(0x511, v + 1);
	return 0;
}
