/*
 * Integer compute in 64-bit long mode with paging: the 32-bit multiboot
 * entry (QEMU loads only ELF32 multiboot images) maps the first 1 GiB with
 * 2 MiB pages, enables PAE, EFER.LME and paging, and jumps to 64-bit code
 * that runs int32's loop on 64-bit registers (64-bit table words), again
 * INT_PER_ITER instructions per iteration.
 */
#define ITERS 20000000
#define INT_PER_ITER 18
#define WORDS 4096
#define COM1 0x3f8
#include "../../guests/x86/boot.h"

	.text
	.code32
	.globl bench_main
bench_main:
	/* the page tables live in .bss: zero them (fresh RAM is not promised) */
	movl $pml4, %edi
	xorl %eax, %eax
	movl $3 * 1024, %ecx
	rep stosl
	LONG_MODE_ON 3
	ljmp $0x18, $long_entry

	.code64
long_entry:
	movl $table, %edi
	xorl %eax, %eax
	movl $WORDS, %ecx
	rep stosq
	movl $table, %edi
	movabsq $0x123456789abcdef1, %rsi
	xorl %ebx, %ebx
	movl $ITERS, %ecx

	.align 16
loop:	imulq $1664525, %rsi, %rsi
	addq $1013904223, %rsi
	movq %rsi, %rax
	shrq $52, %rax
	movq (%rdi,%rax,8), %rdx
	addq %rsi, %rdx
	rolq $5, %rdx
	movq %rdx, (%rdi,%rax,8)
	xorq %rdx, %rbx
	testl $0x100, %edx
	jz 1f
	addq %rdx, %rbx
	jmp 2f
1:	subq %rax, %rbx
	nop
2:	call mix
	decl %ecx
	jnz loop

	/* checksum: both halves folded into 32 bits */
	movq %rbx, %rax
	shrq $32, %rax
	xorl %ebx, %eax
	movl %eax, %ebx
	movl $name, %esi
	call puts64
	movl $s_checksum, %esi
	call puts64
	movl %ebx, %eax
	call puthex64
	movl $s_insns, %esi
	call puts64
	movl $(ITERS * INT_PER_ITER) >> 32, %eax
	call puthex64
	movl $(ITERS * INT_PER_ITER) & 0xffffffff, %eax
	call puthex64
	movb $'\n', %al
	call putc64
	xorl %eax, %eax
2:	outl %eax, $0xf4
	hlt
	jmp 2b

mix:	leaq (%rbx,%rbx,2), %rbx
	ret

/* The 32-bit helpers' 64-bit twins (push/pop differ in long mode). */
putc64:
	pushq %rdx
	pushq %rax
	movw $COM1 + 5, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	popq %rax
	movw $COM1, %dx
	outb %al, %dx
	popq %rdx
	ret

puts64:
	lodsb
	testb %al, %al
	jz 1f
	call putc64
	jmp puts64
1:	ret

puthex64:				/* %eax, 8 digits */
	pushq %rcx
	pushq %rbx
	movl %eax, %ebx
	movl $8, %ecx
1:	roll $4, %ebx
	movl %ebx, %eax
	andl $15, %eax
	movl $digits, %edx
	movb (%rdx,%rax), %al
	call putc64
	loop 1b
	popq %rbx
	popq %rcx
	ret

	.section .rodata
name:		.asciz "long64"
digits:		.ascii "0123456789abcdef"
s_checksum:	.asciz " checksum=0x"
s_insns:	.asciz " insns=0x"

	.bss
	LONG_MODE_TABLES
table:	.space WORDS * 8

	.section .note.GNU-stack, "", @progbits
