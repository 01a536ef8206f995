/* Multiboot entry for the 64-bit C guests: from the 32-bit protected mode
 * multiboot leaves, identity-map the first GiB with 2 MiB pages, enable
 * PAE, EFER.LME and paging, far-jump to a 64-bit code segment, and call
 * main(magic, info) with its return value to the debug-exit port. */
#include "boot.h"

	MULTIBOOT_ENTRY stack_top
	movl %eax, %edi			/* multiboot magic and info: main's arguments */
	movl %ebx, %esi
	LONG_MODE_ON 7			/* user pages: ring-3 tests run on the same map */
	ljmp $0x18, $long64

	.code64
long64:
	movl $stack_top, %esp
	call main
	movl %eax, %edx
	outl %eax, $0xf4
3:	hlt
	jmp 3b

	.data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.bss
	LONG_MODE_TABLES
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
