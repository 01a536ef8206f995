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
	.text
	.globl main
main:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, kernel_esp
	push $msg_start
	call ser_puts
	add $4, %esp
	/* TSS descriptor at 0x28: base tss, limit tss_end - tss - 1, 32-bit available */
	mov $tss, %eax
	movw $tss_end - tss - 1, gdt + 0x28
	movw %ax, gdt + 0x2a
	shr $16, %eax
	movb %al, gdt + 0x2c
	movb $0x89, gdt + 0x2d
	movb $0, gdt + 0x2e
	movb %ah, gdt + 0x2f
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ss
	movl $stack0_top, tss + 4	/* ESP0 */
	movl $0x10, tss + 8		/* SS0 */
	movw $iomap - tss, tss + 0x66
	mov $0x28, %ax
	ltr %ax
	/* the bitmap: every port denied but COM1 */
	mov $iomap, %edi
	mov $8192 / 4, %ecx
	mov $0xffffffff, %eax
	rep stosl
	movb $0xff, iomap + 8192
	movb $0, iomap + 0x3f8 / 8
	/* gates: #GP, int 0x80 (DPL 3), int 0x81 (DPL 0) */
	mov $13, %eax
	mov $isr_gp, %edx
	mov $0x8e00, %ecx
	call set_gate
	mov $0x80, %eax
	mov $isr_80, %edx
	mov $0xee00, %ecx
	call set_gate
	mov $0x81, %eax
	mov $isr_80, %edx
	mov $0x8e00, %ecx
	call set_gate
	lidt idt_desc
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
	/* iret to ring 3 with IOPL 0 */
	push $0x23
	push $stack3_top
	push $0x202
	push $0x1b
	push $user
	iret

/* set_gate(vector %eax, handler %edx, attributes %cx): a gate to CS 0x08 */
set_gate:
	lea idt(,%eax,8), %eax
	mov %dx, (%eax)
	movw $0x08, 2(%eax)
	mov %cx, 4(%eax)
	shr $16, %edx
	mov %dx, 6(%eax)
	ret

/* GP: expect the next #GP to come back to label 1f */
#define GP(...) movl $1f, resume; __VA_ARGS__; 1:

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
	GP(outb %al, $0x80)		/* denied by the bitmap: #GP(0) */
	mov $0x3ff, %dx
	GP(outw %ax, %dx)		/* 0x3ff granted, 0x400 denied: #GP(0) */
	mov $0x80, %dx
	mov $msg_ring, %esi
	mov $4, %ecx
	GP(rep outsb)			/* #GP(0) before any byte */
	cmp $4, %ecx
	jne fail
	GP(cli)				/* IOPL 0 */
	GP(hlt)
	GP(mov %cr0, %eax)
	GP(lgdt gdt_desc)
	mov $0x10, %ax
	GP(mov %ax, %ds)		/* a ring-0 data segment: #GP(0x10) */
	GP(int $0x81)			/* a DPL-0 gate: #GP(0x81 * 8 + 2) */
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

isr_gp:
	pushal				/* ring 3's registers survive the fault */
	push $msg_gp
	call ser_puts
	add $4, %esp
	push 32(%esp)			/* the error code */
	call put_hex
	add $4, %esp
	push $'\n'
	call ser_putc
	add $4, %esp
	cmpl $0x1b, 40(%esp)		/* it came from ring 3 */
	jne fail
	mov resume, %eax		/* continue after the faulting instruction */
	mov %eax, 36(%esp)
	popal
	add $4, %esp			/* the error code */
	iret

finished:
	mov kernel_esp, %esp
	push $msg_done
	call ser_puts
	add $4, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	xor %eax, %eax
	ret

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
msg_gp:		.asciz "#GP error="
msg_done:	.asciz "ring32: done\n"
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: ring 0 code */
	.quad 0x00cf92000000ffff	/* 0x10: ring 0 data */
	.quad 0x00cffa000000ffff	/* 0x18: ring 3 code (sysexit: SYSENTER_CS + 16) */
	.quad 0x00cff2000000ffff	/* 0x20: ring 3 data (sysexit: SYSENTER_CS + 24) */
	.quad 0				/* 0x28: the TSS, filled in by main */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
idt_desc:
	.word 256 * 8 - 1
	.long idt

	.bss
	.align 4096
kernel_esp:	.long 0
resume:		.long 0
tss:		.space 0x68
iomap:		.space 8192
		.space 1		/* the CPU reads two bytes: this one ends the map */
tss_end:
	.align 8
idt:		.space 256 * 8
	.align 16
		.space 4096
stack0_top:
		.space 4096
stack_se_top:
		.space 4096
stack3_top:

	.section .note.GNU-stack, "", @progbits
