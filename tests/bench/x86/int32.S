/*
 * Integer compute, 32-bit protected mode, paging off: an LCG drives
 * read-modify-writes of a 16 KiB table, a data-dependent branch and a
 * call/ret.  Both sides of the branch are 13 instructions from the loop
 * head, so every iteration is exactly INT_PER_ITER instructions.
 */
#define ITERS 20000000
#define INT_PER_ITER 18
#define WORDS 4096

	.text
	.globl bench_main
bench_main:
	movl $table, %edi
	xorl %eax, %eax
	movl $WORDS, %ecx
	rep stosl
	movl $table, %edi
	movl $0x12345678, %esi
	xorl %ebx, %ebx
	movl $ITERS, %ecx

	.align 16
loop:	imull $1664525, %esi, %esi
	addl $1013904223, %esi
	movl %esi, %eax
	shrl $20, %eax
	movl (%edi,%eax,4), %edx
	addl %esi, %edx
	roll $5, %edx
	movl %edx, (%edi,%eax,4)
	xorl %edx, %ebx
	testl $0x100, %edx
	jz 1f
	addl %edx, %ebx
	jmp 2f
1:	subl %eax, %ebx
	nop
2:	call mix
	decl %ecx
	jnz loop

	movl %ebx, %eax
	movl $name, %esi
	movl $(ITERS * INT_PER_ITER) >> 32, %edx
	movl $(ITERS * INT_PER_ITER) & 0xffffffff, %ecx
	jmp report

mix:	leal (%ebx,%ebx,2), %ebx
	ret

	.section .rodata
name:	.asciz "int32"

	.bss
	.align 4096
table:	.space WORDS * 4

	.section .note.GNU-stack, "", @progbits
