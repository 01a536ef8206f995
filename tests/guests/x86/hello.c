/* The smallest real guest: one line on COM1, then exit code 0. */
#include "lib.h"

int main(void)
{
	ser_puts("Hello from vmmfs\n");
	return 0;
}
