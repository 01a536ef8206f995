/*
 * Privilege levels in long mode (entered by cpu_boot64.S, which calls
 * main): a 64-bit TSS with RSP0 and IST1, an IDT of 16-byte gates, iretq
 * to ring 3, and from ring 3: syscall/sysretq, int $0x80 through a DPL-3
 * gate (stack switched to RSP0), a privileged instruction (#GP, error 0),
 * a load of a ring-0 data selector (#GP, error = the selector), and int3
 * through an IST gate.  Each step prints one line; main returns 0.
 */
#include "asm64.h"

	.code64
	.text
	.globl main
main:
	MAIN_ENTER msg_start
	call tss_init
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
	/* gates: #BP (IST1: present, DPL 3, interrupt gate), #GP, int 0x80 (DPL 3) */
	GATE(idt + 3 * 16, isr_bp, 0x08, 0xee01)
	GATE(idt + 13 * 16, isr_gp, 0x08, 0x8e00)
	GATE(idt + 0x80 * 16, isr_80, 0x08, 0xee00)
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
	IRETQ_TO_RING3 user, stack3_top, 0x202

user:
	mov %cs, %ax
	and $3, %eax
	add $'0', %eax
	mov %al, msg_ring + 5(%rip)
	mov $1, %eax			/* syscall 1: print msg_ring */
	lea msg_ring(%rip), %rdi
	syscall
	int $0x80			/* prints the ring and stack it ran on */
	FAULT(cli)			/* IOPL 0: #GP(0) */
	FAULT(mov $0x10, %ax; mov %ax, %ds)	/* a ring-0 data segment: #GP(0x10) */
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
	MAIN_RETURN msg_done

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

isr_bp:
	lea stack_ist_top - 40(%rip), %rax
	cmp %rax, %rsp
	jne fail
	lea msg_ist(%rip), %rdi
	call ser_puts
	iretq

	.data
msg_start:	.asciz "ring64: start\n"
msg_ring:	.asciz "ring X via syscall\n"
msg_sysret:	.asciz "sysret back\n"
msg_int80:	.asciz "int 0x80 from ring 3 on the RSP0 stack\n"
msg_ist:	.asciz "int3 on the IST1 stack\n"
msg_done:	.asciz "ring64: done\n"
	.align 8
gdt64:
	GDT64_RINGS
	GDT64_END

	.bss
	.align 16
user_rsp:	.quad 0
	.align 16			/* 64-bit mode aligns RSP0 and IST stacks to 16 */
		.space 4096
stack0_top:
		.space 4096
stack_ist_top:
		.space 4096
stack3_top:

	.section .note.GNU-stack, "", @progbits
