/*
 * Integer compute on the 440: x86/int32.S's loop in PowerPC (an LCG
 * driving read-modify-writes of a 16 KiB table, a data-dependent branch
 * with equal-length sides, a call/return), INT_PER_ITER instructions per
 * iteration.
 */
#define ITERS 20000000
#define INT_PER_ITER 17
#define WORDS 4096

	.text
	.globl bench_main
bench_main:
	mflr r0
	stwu r1, -16(r1)
	stw r0, 20(r1)
	lis r22, table@ha
	addi r22, r22, table@l
	li r3, 0			/* zero the table */
	li r0, WORDS
	mtctr r0
	addi r4, r22, -4
1:	stwu r3, 4(r4)
	bdnz 1b

	lis r20, 1664525@ha
	addi r20, r20, 1664525@l
	lis r21, 1013904223@ha
	addi r21, r21, 1013904223@l
	lis r5, 0x1234
	ori r5, r5, 0x5678		/* LCG state */
	li r8, 0			/* checksum */
	lis r3, ITERS@ha
	addi r3, r3, ITERS@l
	mtctr r3

	.balign 16
loop:	mullw r5, r5, r20
	add r5, r5, r21
	srwi r6, r5, 20
	slwi r6, r6, 2
	lwzx r7, r22, r6
	add r7, r7, r5
	rotlwi r7, r7, 5
	stwx r7, r22, r6
	xor r8, r8, r7
	andi. r9, r7, 0x100
	beq 1f
	add r8, r8, r7
	b 2f
1:	subf r8, r6, r8
	nop
2:	bl mix
	bdnz loop

	lis r3, name@ha
	addi r3, r3, name@l
	mr r4, r8
	li r5, (ITERS * INT_PER_ITER) >> 32
	lis r6, ((ITERS * INT_PER_ITER) & 0xffffffff)@ha
	addi r6, r6, ((ITERS * INT_PER_ITER) & 0xffffffff)@l
	bl report
	lwz r0, 20(r1)
	mtlr r0
	addi r1, r1, 16
	blr

mix:	mulli r8, r8, 3
	blr

	.section .rodata
name:	.asciz "int440"

	.bss
	.balign 4096
table:	.space WORDS * 4

	.section .note.GNU-stack, "", @progbits
