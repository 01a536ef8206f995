/*
 * Entries for pg_long: #PF and #GP call pg_fault64(frame, vector), which
 * sees the error code and rip (frame[0], frame[1]) and may change where
 * iretq goes.  user_enter64 iretqs to the ring-3 probe (copied onto a user
 * page); the probe makes one access and comes back to ring 0 through
 * int $0x80, which returns from user_enter64.
 */
	.text
	.code64
	.globl pf_entry64, gp_entry64, user_enter64, ring0_return64
	.globl user_probe64, user_probe64_done, user_probe64_end
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

/* user_enter64(kind, va, rflags, rip, rsp): the probe at rip runs at CPL 3 */
user_enter64:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, kernel_rsp(%rip)
	pushq $0x23
	pushq %r8
	pushq %rdx
	pushq $0x2b
	pushq %rcx
	movl %edi, %eax
	movq %rsi, %rdx
	iretq

/* int $0x80 from ring 3 (on the TSS's RSP0 stack): back out of user_enter64 */
ring0_return64:
	movq kernel_rsp(%rip), %rsp
	pushq $2			/* ring 3's AC must not stay on in ring 0 */
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/* The ring-3 probe: eax = kind (0 read, 1 write, 2 fetch), rdx = address.
 * Position-independent: it runs from a copy. */
user_probe64:
	cmpl $1, %eax
	je 1f
	cmpl $2, %eax
	je 2f
	movb (%rdx), %al
	jmp user_probe64_done
1:	movb $0xc3, (%rdx)
	jmp user_probe64_done
2:	call *%rdx
user_probe64_done:
	int $0x80
user_probe64_end:

	.bss
	.align 8
kernel_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
