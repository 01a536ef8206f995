/*
 * Privilege levels in long mode (entered by cpu_boot64.S, which calls
 * main): a 64-bit TSS with RSP0 and IST1, an IDT of 16-byte gates, iretq
 * to ring 3, and from ring 3: syscall/sysretq, int $0x80 through a DPL-3
 * gate (stack switched to RSP0), a privileged instruction (#GP, error 0),
 * a load of a ring-0 data selector (#GP, error = the selector), and int3
 * through an IST gate.  Each step prints one line; main returns 0.
 */
	.code64
	.text
	.globl main
main:
	push %rbx
	lea msg_start(%rip), %rdi
	call ser_puts
	/* TSS descriptor at 0x30 (16 bytes) */
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
	str %ax
	cmp $0x30, %ax
	jne fail
	testb $2, gdt64 + 0x35		/* ltr marked the TSS busy */
	jz fail
	/* RSP0 and IST1 */
	lea stack0_top(%rip), %rax
	mov %rax, tss + 4
	lea stack_ist_top(%rip), %rax
	mov %rax, tss + 0x24
	/* gates: #BP (IST1), #GP, int 0x80 (DPL 3) */
	mov $3, %edi
	lea isr_bp(%rip), %rsi
	mov $0xee01, %edx		/* present, DPL 3, interrupt gate, IST1 */
	call set_gate
	mov $13, %edi
	lea isr_gp(%rip), %rsi
	mov $0x8e00, %edx
	call set_gate
	mov $0x80, %edi
	lea isr_80(%rip), %rsi
	mov $0xee00, %edx		/* DPL 3 */
	call set_gate
	lidt idt_desc(%rip)
	/* syscall: kernel CS 0x08 (SS 0x10); sysret base 0x18: SS 0x23, CS 0x2b */
	mov $0xc0000080, %ecx
	rdmsr
	or $1, %eax			/* SCE */
	wrmsr
	mov $0xc0000081, %ecx
	xor %eax, %eax
	mov $0x00180008, %edx
	wrmsr
	mov $0xc0000082, %ecx
	lea syscall_entry(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov $0xc0000084, %ecx		/* FMASK: IF off in the handler */
	mov $0x200, %eax
	xor %edx, %edx
	wrmsr
	mov %rsp, kernel_rsp(%rip)
	/* iretq to ring 3 */
	push $0x23
	lea stack3_top(%rip), %rax
	push %rax
	push $0x202
	push $0x2b
	lea user(%rip), %rax
	push %rax
	iretq

/* set_gate(vector=%edi, handler=%rsi, attributes=%dx) */
set_gate:
	shl $4, %edi
	lea idt(%rip), %rax
	add %rdi, %rax
	mov %si, (%rax)
	movw $0x08, 2(%rax)
	mov %dx, 4(%rax)
	mov %rsi, %rcx
	shr $16, %rcx
	mov %cx, 6(%rax)
	shr $16, %rcx
	mov %ecx, 8(%rax)
	movl $0, 12(%rax)
	ret

user:
	mov %cs, %ax
	and $3, %eax
	add $'0', %eax
	mov %al, msg_ring + 5(%rip)
	mov $1, %eax			/* syscall 1: print msg_ring */
	lea msg_ring(%rip), %rdi
	syscall
	int $0x80			/* prints the ring and stack it ran on */
	cli				/* IOPL 0: #GP(0) */
	mov $0x10, %ax			/* a ring-0 data segment: #GP(0x10) */
	mov %ax, %ds
	int3				/* through IST1 */
	mov $2, %eax			/* syscall 2: back to ring 0, done */
	syscall
	jmp fail

syscall_entry:
	/* ring 0, user rsp still loaded: switch like a kernel does */
	mov %rsp, user_rsp(%rip)
	mov kernel_rsp(%rip), %rsp
	push %rcx
	push %r11
	cmp $2, %eax
	je finished
	call ser_puts
	mov %ss, %ax
	cmp $0x10, %ax
	jne fail
	lea msg_sysret(%rip), %rdi
	call ser_puts
	pop %r11
	pop %rcx
	mov user_rsp(%rip), %rsp
	sysretq

finished:
	mov kernel_rsp(%rip), %rsp
	lea msg_done(%rip), %rdi
	call ser_puts
	xor %eax, %eax
	pop %rbx
	ret

isr_80:
	/* the CPU switched to RSP0: the frame ends at stack0_top */
	lea stack0_top - 40(%rip), %rax
	cmp %rax, %rsp
	jne fail
	cmpq $0x23, 32(%rsp)		/* the frame holds ring 3's SS */
	jne fail
	push %rdi
	lea msg_int80(%rip), %rdi
	call ser_puts
	pop %rdi
	iretq

isr_gp:
	push %rdi
	push %rax
	lea msg_gp(%rip), %rdi
	call ser_puts
	mov 16(%rsp), %edi		/* the error code */
	call put_hex
	mov $'\n', %edi
	call ser_putc
	pop %rax
	pop %rdi
	/* skip the faulting instruction: cli is 1 byte, mov %ax,%ds 2 */
	mov 8(%rsp), %rcx
	cmpb $0xfa, (%rcx)
	je 1f
	incq 8(%rsp)
1:	incq 8(%rsp)
	add $8, %rsp			/* pop the error code */
	iretq

isr_bp:
	lea stack_ist_top - 40(%rip), %rax
	cmp %rax, %rsp
	jne fail
	lea msg_ist(%rip), %rdi
	call ser_puts
	iretq

fail:
	mov $1, %eax
	outl %eax, $0xf4
	jmp fail

	.data
msg_start:	.asciz "ring64: start\n"
msg_ring:	.asciz "ring X via syscall\n"
msg_sysret:	.asciz "sysret back\n"
msg_int80:	.asciz "int 0x80 from ring 3 on the RSP0 stack\n"
msg_gp:		.asciz "#GP error="
msg_ist:	.asciz "int3 on the IST1 stack\n"
msg_done:	.asciz "ring64: done\n"
	.align 8
gdt64:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: ring 0 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: ring 0 data */
	.quad 0x00cffa000000ffff	/* 0x18: ring 3 32-bit code (sysret base) */
	.quad 0x00cff2000000ffff	/* 0x20: ring 3 data */
	.quad 0x00affa000000ffff	/* 0x28: ring 3 64-bit code */
	.quad 0, 0			/* 0x30: the TSS, filled in by main */
gdt64_end:
gdt64_desc:
	.word gdt64_end - gdt64 - 1
	.quad gdt64
idt_desc:
	.word 256 * 16 - 1
	.quad idt

	.bss
	.align 16
kernel_rsp:	.quad 0
user_rsp:	.quad 0
tss:		.space 0x68
	.align 4096
idt:		.space 256 * 16
		.space 4096
stack0_top:
		.space 4096
stack_ist_top:
		.space 4096
stack3_top:

	.section .note.GNU-stack, "", @progbits
