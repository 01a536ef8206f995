/* Interrupt entry points for events.c: save the registers, call C, iret. */
	.text
	.globl isr_40, isr_ud, isr_other
isr_40:
	pushal
	cld
	call irq40
	popal
	iret
isr_ud:
	pushal
	cld
	leal 32(%esp), %eax	/* the saved eip, above the eight pushed registers */
	pushl %eax
	call ud_fault
	addl $4, %esp
	popal
	iret
isr_other:
	pushal
	cld
	call other_fault
	popal
	iret

	.section .note.GNU-stack, "", @progbits
