/*
 * Routines of the 64-bit assembly guests (asm64.h has the macros over
 * them): printing a value, gates, the TSS, and a #GP handler that prints
 * the error code and resumes where FAULT said.
 */
	.code64
	.text
	.globl show, mkgate64, tss_init, isr_gp, fail
	.globl idt_desc, idt, tss, kernel_rsp, resume

/* show(msg %rdi, value %eax): "msg0x%08x\n" */
show:
	push %rax
	call ser_puts
	pop %rdi
	call put_hex
	mov $'\n', %edi
	jmp ser_putc

/* mkgate64(descriptor %rdi, target %rsi, selector %edx, attributes %ecx) */
mkgate64:
	mov %si, (%rdi)
	mov %dx, 2(%rdi)
	mov %cx, 4(%rdi)
	mov %rsi, %rax
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	ret

/* tss_init: the 16-byte descriptor of tss at the guest's gdt64 + 0x30, then lgdt and ltr */
tss_init:
	lea tss(%rip), %rax
	movw $0x67, gdt64 + 0x30
	movw %ax, gdt64 + 0x32
	shr $16, %rax
	movb %al, gdt64 + 0x34
	movb $0x89, gdt64 + 0x35
	movb %ah, gdt64 + 0x37
	shr $16, %rax
	movl %eax, gdt64 + 0x38
	lgdt gdt64_desc(%rip)
	mov $0x30, %ax
	ltr %ax
	ret

isr_gp:
	mov (%rsp), %eax
	lea msg_gp(%rip), %rdi
	call show
	mov resume(%rip), %rax
	mov %rax, 8(%rsp)
	add $8, %rsp
	iretq

/* exit code 1 through the debug-exit port */
fail:
	mov $1, %eax
	outl %eax, $0xf4
	jmp fail

	.data
msg_gp:		.asciz "#GP error="
	.align 8
idt_desc:
	.word 256 * 16 - 1
	.quad idt

	.bss
	.align 16
kernel_rsp:	.quad 0
resume:		.quad 0
tss:		.space 0x68
	.align 4096
idt:		.space 256 * 16

	.section .note.GNU-stack, "", @progbits
