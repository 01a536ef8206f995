/*
 * Exit-heavy: ITERS rounds of OUT then IN on a port no device claims, so
 * each round is two exits to userspace.  The program answering them must
 * give every IN the last OUT's value * 2 + 1; the guest counts the answers
 * that were right and prints
 *
 *   exitio checksum=0x... insns=0x...
 *   exitio answered=0x...
 *
 * (under QEMU nobody answers: an unclaimed port reads all ones).
 * Every round is EXIT_PER_ITER instructions whatever the answers.
 */
#ifndef ITERS
#define ITERS 20000
#endif
#define EXIT_PER_ITER 12
#define PORT 0xe0

	.text
	.globl bench_main
bench_main:
	pushl %ebx
	pushl %esi
	pushl %edi
	movl $ITERS, %ecx
	movl $PORT, %edx
	xorl %esi, %esi			/* checksum */
	xorl %edi, %edi			/* right answers */
1:	movl %ecx, %eax
	outl %eax, %dx
	inl %dx, %eax
	addl %eax, %esi
	roll $1, %esi
	leal 1(%ecx,%ecx), %ebx
	cmpl %ebx, %eax
	sete %bl
	movzbl %bl, %ebx
	addl %ebx, %edi
	decl %ecx
	jnz 1b

	movl %esi, %eax
	movl $name, %esi
	movl $(ITERS * EXIT_PER_ITER) >> 32, %edx
	movl $(ITERS * EXIT_PER_ITER) & 0xffffffff, %ecx
	call report
	movl $s_answered, %esi
	call puts
	movl %edi, %eax
	call puthex
	movb $'\n', %al
	call putc
	popl %edi
	popl %esi
	popl %ebx
	ret

	.section .rodata
name:		.asciz "exitio"
s_answered:	.asciz "exitio answered=0x"

	.section .note.GNU-stack, "", @progbits
