/*
 * Start-up and interrupt entry for the C guests.  IVPR = 0 and each IVORn
 * points at a stub below; every interrupt saves the registers in a frame on
 * the current stack and calls int_handler(vector, frame), which may change
 * the frame (srr0 to skip an instruction, ...) before it is restored.
 */
#define FRAME 160
#define F_SRR0 136
#define F_SRR1 140
#define F_CR 144
#define F_LR 148
#define F_CTR 152
#define F_XER 156

	.section .text.start, "ax"
	.globl _start
_start:
	lis	%r1, stack_top@ha
	addi	%r1, %r1, stack_top@l
	li	%r0, 0
	stwu	%r0, -16(%r1)
	lis	%r9, boot_fdt@ha	/* the loader's r3: the device tree */
	stw	%r3, boot_fdt@l(%r9)
	li	%r3, 0
	mtspr	63, %r3			/* IVPR */
	lis	%r4, ivor_table@ha
	addi	%r4, %r4, ivor_table@l
	li	%r5, 16
	mtctr	%r5
	li	%r6, 400		/* IVOR0 */
1:	lwz	%r7, 0(%r4)
	/* mtspr needs a constant SPR number: go through a table of mtspr instructions */
	slwi	%r8, %r3, 3
	lis	%r9, set_ivor@ha
	addi	%r9, %r9, set_ivor@l
	add	%r9, %r9, %r8
	mtlr	%r9
	blrl
	addi	%r4, %r4, 4
	addi	%r3, %r3, 1
	bdnz	1b
	bl	main
	bl	guest_exit
2:	b	2b

set_ivor:
	.irp n, 400,401,402,403,404,405,406,407,408,409,410,411,412,413,414,415
	mtspr	\n, %r7
	blr
	.endr

	.section .sbss, "aw", @nobits
	.align 2
	.globl boot_fdt
boot_fdt:
	.space 4

	.section .rodata
ivor_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.long	vec_\n
	.endr

	.text
	.macro VEC n, kind
	.align 4
vec_\n:
	stwu	%r1, -FRAME(%r1)
	stw	%r3, 8+3*4(%r1)
	li	%r3, \n
	b	entry_\kind
	.endm

	.macro ENTRY kind, srr0, srr1, rfx
entry_\kind:
	stw	%r0, 8(%r1)
	stw	%r2, 8+2*4(%r1)
	stmw	%r4, 8+4*4(%r1)
	addi	%r4, %r1, FRAME
	stw	%r4, 8+1*4(%r1)
	mfspr	%r4, \srr0
	stw	%r4, F_SRR0(%r1)
	mfspr	%r4, \srr1
	stw	%r4, F_SRR1(%r1)
	mfcr	%r4
	stw	%r4, F_CR(%r1)
	mflr	%r4
	stw	%r4, F_LR(%r1)
	mfctr	%r4
	stw	%r4, F_CTR(%r1)
	mfxer	%r4
	stw	%r4, F_XER(%r1)
	addi	%r4, %r1, 8
	bl	int_handler
	lwz	%r4, F_SRR0(%r1)
	mtspr	\srr0, %r4
	lwz	%r4, F_SRR1(%r1)
	mtspr	\srr1, %r4
	lwz	%r4, F_CR(%r1)
	mtcr	%r4
	lwz	%r4, F_LR(%r1)
	mtlr	%r4
	lwz	%r4, F_CTR(%r1)
	mtctr	%r4
	lwz	%r4, F_XER(%r1)
	mtxer	%r4
	lwz	%r0, 8(%r1)
	lwz	%r2, 8+2*4(%r1)
	lmw	%r3, 8+3*4(%r1)
	addi	%r1, %r1, FRAME
	\rfx
	.endm

	/* critical class on the 440: critical input, watchdog, debug */
	VEC 0, crit
	VEC 1, mchk
	VEC 2, base
	VEC 3, base
	VEC 4, base
	VEC 5, base
	VEC 6, base
	VEC 7, base
	VEC 8, base
	VEC 9, base
	VEC 10, base
	VEC 11, base
	VEC 12, crit
	VEC 13, base
	VEC 14, base
	VEC 15, crit

	ENTRY base, 26, 27, rfi
	ENTRY crit, 58, 59, rfci
	ENTRY mchk, 570, 571, rfmci

	.section .note.GNU-stack, "", @progbits
