/* #PF entry for the pg_* guests: pg_fault(frame) sees the error code and eip. */
	.text
	.globl pf_entry
pf_entry:
	pushal
	cld
	leal 32(%esp), %eax	/* error code, then eip cs eflags */
	pushl %eax
	call pg_fault
	addl $4, %esp
	popal
	addl $4, %esp
	iret

	.section .note.GNU-stack, "", @progbits
