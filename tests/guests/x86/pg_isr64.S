/* #PF and #GP entries for pg_long: pg_fault64(frame, vector) sees the
 * error code and rip (frame[0], frame[1]) and may change where iretq goes. */
	.text
	.code64
	.globl pf_entry64, gp_entry64
pf_entry64:
	pushq %rsi
	movl $14, %esi
	jmp common
gp_entry64:
	pushq %rsi
	movl $13, %esi
common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	leaq 72(%rsp), %rdi		/* the error code, then rip cs rflags rsp ss */
	subq $8, %rsp
	call pg_fault64
	addq $8, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rdx
	popq %rcx
	popq %rax
	popq %rsi
	addq $8, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
