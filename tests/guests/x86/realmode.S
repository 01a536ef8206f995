/*
 * Mode switches: multiboot enters in 32-bit protected mode; this guest
 * drops to 16-bit protected mode, then to real mode (printing there and
 * taking a software interrupt through the real-mode IVT), and switches back
 * to 32-bit protected mode.  The 16-bit half lives in .low, at 0x7000.
 */
#include "boot.h"

	MULTIBOOT_ENTRY stack_top
	movl $msg_pm, %esi
	call print32
	ljmp $0x18, $pm16		/* 16-bit code segment, base 0 */

back32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $stack_top, %esp
	movl $msg_back, %esi
	call print32
	xorl %eax, %eax
	outl %eax, $0xf4
2:	hlt
	jmp 2b

/* name: print the string at %esi (%si in 16-bit code) on COM1, polling its line status */
.macro PRINT name
\name:
	lodsb
	testb %al, %al
	jz 2f
	movb %al, %ah
	movw $0x3fd, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	movw $0x3f8, %dx
	movb %ah, %al
	outb %al, %dx
	jmp \name
2:	ret
.endm

	PRINT print32

	.section .rodata
msg_pm:	.asciz "32-bit protected mode\n"
msg_back: .asciz "back in 32-bit protected mode\n"

	.bss
	.align 16
	.space 4096
stack_top:

	.section .low, "awx"
	.code16
pm16:
	movw $0x20, %ax			/* 16-bit data segments before leaving */
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr0, %eax
	andl $~1, %eax
	movl %eax, %cr0
	ljmp $0, $real
real:
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x6ff0, %sp
	lidt ivt_desc
	movw $int30, 0x30 * 4		/* IVT entry 0x30 -> 0000:int30 */
	movw $0, 0x30 * 4 + 2
	movw $msg_real, %si
	call print16
	int $0x30
	movw $msg_after, %si
	call print16
	lgdt gdt_desc_low
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	.byte 0x66, 0xea		/* ljmpl $0x08, $back32 */
	.long back32
	.word 0x08

int30:
	pushw %si
	movw $msg_int, %si
	call print16
	popw %si
	iret

	PRINT print16

msg_real: .asciz "real mode\n"
msg_int: .asciz "int 0x30 through the IVT\n"
msg_after: .asciz "real mode again after iret\n"

	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat 32-bit data */
	.quad 0x00009a000000ffff	/* 0x18: 16-bit code, base 0, 64 KiB */
	.quad 0x000092000000ffff	/* 0x20: 16-bit data, base 0, 64 KiB */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt
gdt_desc_low:
	.word gdt_desc - gdt - 1
	.long gdt
ivt_desc:
	.word 0x3ff
	.long 0

	.section .note.GNU-stack, "", @progbits
