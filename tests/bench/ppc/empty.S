/* The empty guest: resets at once (see x86/empty.S). */
	.text
	.globl bench_main
bench_main:
	blr

	.section .note.GNU-stack, "", @progbits
