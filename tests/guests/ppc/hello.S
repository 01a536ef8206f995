/* Prints a line on UART0 (0xef600300), then asks for a reset through DBCR0 as Linux does. */
	.section .text.start, "ax"
	.globl _start
_start:
	lis	r9, 0xef60
	ori	r9, r9, 0x0300		/* UART0 */
	lis	r10, msg@ha
	addi	r10, r10, msg@l
1:	lbz	r11, 0(r10)
	cmpwi	r11, 0
	beq	2f
3:	lbz	r12, 5(r9)		/* LSR: wait for THRE */
	andi.	r12, r12, 0x20
	beq	3b
	stb	r11, 0(r9)
	addi	r10, r10, 1
	b	1b
2:	lis	r3, 0x3000		/* DBCR0[RST] = system reset */
	mtspr	308, r3
4:	b	4b

	.section .rodata
msg:	.asciz	"Hello from ppc440\n"

	.section .note.GNU-stack, "", @progbits
