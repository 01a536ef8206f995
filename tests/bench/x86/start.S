/*
 * Entry shared by the x86 bench guests: multiboot header, a flat GDT of our
 * own (multiboot leaves GDTR undefined), a stack, then bench_main.  Each
 * guest ends through guest_exit (debug-exit port 0xf4), so the 32-bit
 * helpers here are all it needs: report prints one line
 *
 *   NAME checksum=0x........ insns=0x................
 *
 * the checksum proving that two runners did the same work, insns the
 * instruction count of the guest's measured loops, known from its source.
 */
#define COM1 0x3f8
#include "../../guests/x86/boot.h"

	MULTIBOOT_ENTRY stack_top
	call bench_main
	xorl %eax, %eax
	jmp guest_exit

/* guest_exit: %eax = code.  QEMU exits with status (code << 1) | 1. */
	.globl guest_exit
guest_exit:
	outl %eax, $0xf4
	hlt
	jmp guest_exit

/* putc: %al; keeps every register. */
	.globl putc
putc:
	pushl %edx
	pushl %eax
	movw $COM1 + 5, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	popl %eax
	movw $COM1, %dx
	outb %al, %dx
	popl %edx
	ret

/* puts: %esi = NUL-terminated string; keeps every register but %esi. */
	.globl puts
puts:
	pushl %eax
1:	lodsb
	testb %al, %al
	jz 2f
	call putc
	jmp 1b
2:	popl %eax
	ret

/* puthex: %eax as 8 hex digits; keeps every register. */
	.globl puthex
puthex:
	pushl %ecx
	pushl %ebx
	movl %eax, %ebx
	movl $8, %ecx
1:	roll $4, %ebx
	movl %ebx, %eax
	andl $15, %eax
	movb hexdigits(%eax), %al
	call putc
	loop 1b
	movl %ebx, %eax
	popl %ebx
	popl %ecx
	ret

/* report: %esi = name, %eax = checksum, %edx:%ecx = instruction count. */
	.globl report
report:
	pushl %eax
	call puts
	movl $s_checksum, %esi
	call puts
	popl %eax
	call puthex
	movl $s_insns, %esi
	call puts
	movl %edx, %eax
	call puthex
	movl %ecx, %eax
	call puthex
	movb $'\n', %al
	call putc
	ret

	.section .rodata
hexdigits:	.ascii "0123456789abcdef"
s_checksum:	.asciz " checksum=0x"
s_insns:	.asciz " insns=0x"

	.data
	.align 8
	.globl gdt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat 32-bit data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code (long64) */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.bss
	.align 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
