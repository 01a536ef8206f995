/*
 * Ring 3 in 32-bit protected mode (entered by boot.S, which calls main):
 * a 32-bit TSS with ESP0/SS0 and an I/O permission bitmap that grants
 * COM1 (0x3f8-0x3ff) and nothing else, iret to ring 3, and from ring 3:
 * printing through COM1 directly (the bitmap, IOPL 0), int $0x80 through
 * a DPL-3 gate onto the ESP0 stack, sysenter/sysexit, and #GP with its
 * error code for: a port the bitmap denies, a word access whose second
 * port is denied, rep outsb to a denied port, cli, hlt, mov from CR0,
 * lgdt, a ring-0 data selector (error = selector), int through a DPL-0
 * gate (error = vector * 8 + 2).  Each step prints one line; main
 * returns 0.
 */
#include "asm32.h"

	.text
	.globl main
main:
	MAIN_ENTER msg_start
	SEG(gdt + 0x28, tss, tss_end - tss - 1, 0x0089)	/* 32-bit TSS, available */
	TABLES_LOAD stack0_top
	movw $iomap - tss, tss + 0x66
	/* the bitmap: every port denied but COM1 */
	mov $iomap, %edi
	mov $8192 / 4, %ecx
	mov $0xffffffff, %eax
	rep stosl
	movb $0xff, iomap + 8192
	movb $0, iomap + 0x3f8 / 8
	/* gates: #GP, int 0x80 (DPL 3), int 0x81 (DPL 0) */
	INTR(13, isr_gp3)
	GATE(idt + 0x80 * 8, isr_80, 0x08, 0xee00)
	INTR(0x81, isr_80)
	/* sysenter: CS 0x08 / SS 0x10; sysexit: CS 0x1b / SS 0x23 */
	mov $0x174, %ecx
	mov $0x08, %eax
	xor %edx, %edx
	wrmsr
	mov $0x175, %ecx
	mov $stack_se_top, %eax
	wrmsr
	mov $0x176, %ecx
	mov $sysenter_entry, %eax
	wrmsr
	IRET_TO_RING3 user, stack3_top, 0x202	/* IOPL 0 */

user:
	mov $0x23, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %cs, %eax
	and $3, %eax
	add $'0', %eax
	mov %al, msg_ring + 5
	push $msg_ring			/* COM1 from ring 3: granted by the bitmap */
	call ser_puts
	add $4, %esp
	mov $1, %eax			/* int 0x80, 1: print ebx on the ESP0 stack */
	mov $msg_int80, %ebx
	int $0x80
	mov $user_after_se, %edx	/* sysexit returns to edx with esp = ecx */
	mov %esp, %ecx
	sysenter
user_after_se:
	push $msg_sysexit
	call ser_puts
	add $4, %esp
	FAULT(outb %al, $0x80)		/* denied by the bitmap: #GP(0) */
	mov $0x3ff, %dx
	FAULT(outw %ax, %dx)		/* 0x3ff granted, 0x400 denied: #GP(0) */
	mov $0x80, %dx
	mov $msg_ring, %esi
	mov $4, %ecx
	FAULT(rep outsb)		/* #GP(0) before any byte */
	cmp $4, %ecx
	jne fail
	FAULT(cli)			/* IOPL 0 */
	FAULT(hlt)
	FAULT(mov %cr0, %eax)
	FAULT(lgdt gdt_desc)
	mov $0x10, %ax
	FAULT(mov %ax, %ds)		/* a ring-0 data segment: #GP(0x10) */
	FAULT(int $0x81)		/* a DPL-0 gate: #GP(0x81 * 8 + 2) */
	mov $2, %eax			/* int 0x80, 2: back to ring 0, done */
	int $0x80
	jmp fail

sysenter_entry:
	/* ring 0 on the SYSENTER_ESP stack */
	mov %cs, %eax
	cmp $0x08, %eax
	jne fail
	cmp $stack_se_top, %esp
	jne fail
	push %ecx
	push %edx
	push $msg_sysenter
	call ser_puts
	add $4, %esp
	pop %edx
	pop %ecx
	sysexit

isr_80:
	cmp $2, %eax
	je finished
	cmp $3, %eax
	je failed
	/* the CPU switched to ESP0/SS0: the frame ends at stack0_top */
	cmp $stack0_top - 20, %esp
	jne fail
	cmpl $0x23, 16(%esp)		/* the frame holds ring 3's SS */
	jne fail
	mov %ss, %eax
	cmp $0x10, %eax
	jne fail
	push %ebx
	call ser_puts
	add $4, %esp
	iret

/* error, eip, cs: every #GP here comes from ring 3 */
isr_gp3:
	cmpl $0x1b, 8(%esp)
	jne fail
	jmp isr_gp

finished:
	MAIN_RETURN msg_done

/* from either ring: ring 3 may not use the exit port */
fail:
	mov $3, %eax
	int $0x80
failed:
	push $1
	call guest_exit

	.data
msg_start:	.asciz "ring32: start\n"
msg_ring:	.asciz "ring X prints through the I/O bitmap\n"
msg_int80:	.asciz "int 0x80 from ring 3 on the ESP0 stack\n"
msg_sysenter:	.asciz "sysenter to ring 0\n"
msg_sysexit:	.asciz "sysexit back to ring 3\n"
msg_done:	.asciz "ring32: done\n"
	.align 8
gdt:
	GDT_RINGS
	.quad 0				/* 0x28: the TSS, filled in by main */
	GDT_END

	.bss
	.align 4096
tss:		.space 0x68
iomap:		.space 8192
		.space 1		/* the CPU reads two bytes: this one ends the map */
tss_end:
	.align 16
		.space 4096
stack0_top:
		.space 4096
stack_se_top:
		.space 4096
stack3_top:

	.section .note.GNU-stack, "", @progbits
