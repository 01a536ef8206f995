/*
 * Routines of the 32-bit assembly guests (asm32.h has the macros over
 * them): printing a value, building descriptors, the IDT, and the fault
 * handlers that print the error code and resume where FAULT said.
 */
	.text
	.globl show, mkseg, mkgate, mkintr, isr_ts, isr_np, isr_ss, isr_gp
	.globl idt_desc, idt, kernel_esp, resume

/* show(msg, value): "msg0x%08x\n" */
show:
	push 4(%esp)
	call ser_puts
	add $4, %esp
	push 8(%esp)
	call put_hex
	add $4, %esp
	push $'\n'
	call ser_putc
	add $4, %esp
	ret

/* mkseg(desc %edi, base %eax, limit %ecx (20 bits), access %dl, flags %dh) */
mkseg:
	mov %cx, (%edi)
	mov %ax, 2(%edi)
	shr $16, %eax
	mov %al, 4(%edi)
	mov %dl, 5(%edi)
	shr $16, %ecx
	and $0xf, %cl
	or %dh, %cl
	mov %cl, 6(%edi)
	mov %ah, 7(%edi)
	ret

/*
 * mkgate(desc %edi, offset %edx, selector %ax, attributes and parameter
 * count %cx); keeps every register, so that gates in a row repeat only
 * what changes.
 */
mkgate:
	push %edx
	mov %dx, (%edi)
	mov %ax, 2(%edi)
	mov %cx, 4(%edi)
	shr $16, %edx
	mov %dx, 6(%edi)
	pop %edx
	ret

/* mkintr(desc %edi, handler %edx): a DPL-0 32-bit interrupt gate to 0x08 */
mkintr:
	push %eax
	push %ecx
	mov $0x08, %eax
	mov $0x8e00, %ecx
	call mkgate
	pop %ecx
	pop %eax
	ret

isr_ts:
	push $msg_ts
	jmp fault
isr_np:
	push $msg_np
	jmp fault
isr_ss:
	push $msg_ss
	jmp fault
isr_gp:
	push $msg_gp
/*
 * name, error, eip, cs, eflags: print, then resume at `resume`.  The ring-3
 * data segment 0x23 serves a handler entered in either ring (through a
 * conforming segment it stays in ring 3).
 */
fault:
	pushal
	push %ds
	push %es
	mov %esp, %ebp
	mov $0x23, %ax
	mov %ax, %ds
	mov %ax, %es
	push 44(%ebp)
	push 40(%ebp)
	call show
	add $8, %esp
	mov resume, %eax
	mov %eax, 48(%ebp)
	pop %es
	pop %ds
	popal
	add $8, %esp
	iret

	.data
msg_ts:		.asciz "#TS error="
msg_np:		.asciz "#NP error="
msg_ss:		.asciz "#SS error="
msg_gp:		.asciz "#GP error="
idt_desc:
	.word 256 * 8 - 1
	.long idt

	.bss
	.align 8
idt:		.space 256 * 8
kernel_esp:	.long 0
resume:		.long 0

	.section .note.GNU-stack, "", @progbits
