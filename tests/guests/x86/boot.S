/* Multiboot entry for the C guests: own GDT (multiboot leaves GDTR
 * undefined), a stack, main(magic, info), then its return value to the
 * debug-exit port. */
#include "boot.h"

	MULTIBOOT_ENTRY stack_top
	pushl %ebx
	pushl %eax
	call main
	outl %eax, $0xf4
2:	hlt
	jmp 2b

	.data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat 32-bit data */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.bss
	.align 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
