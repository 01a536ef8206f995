/* The empty guest: exits at once.  Timed like every other guest, it gives
 * each runner's fixed cost (process or VM creation, load, first run),
 * which is subtracted from the others. */
	.text
	.globl bench_main
bench_main:
	ret

	.section .note.GNU-stack, "", @progbits
