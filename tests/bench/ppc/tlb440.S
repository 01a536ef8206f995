/*
 * TLB-heavy on the 440, the way Linux uses its software-loaded TLB:
 * 32 processes (TIDs 1-32), each with 8 large (64 KiB) pages at the same
 * user address 0x10000000, backed by its own frames; a context switch is
 * `mtspr PID; isync` and flushes nothing; a data TLB miss enters the
 * handler below, which computes the mapping, selects MMUCR[STID] and
 * writes a victim entry with tlbwe round-robin (entries 32-63; 0 and 1
 * are pinned), like Linux's 44x miss handler.  Each process touches every
 * 4 KiB part of each of its pages, so one guest entry backs 16 shadow
 * translations.  32 processes x 8 pages exceed the 32 victim entries, so
 * every page misses once per switch: the miss count is architectural
 * (the guest reports it), and the instruction count is
 *   ROUNDS * PER_ROUND + misses * (MISS_INSNS + 1)
 * (the access that misses counts once, then executes again).
 *
 * Frames: process p (1-32), page g at 0x2000000 + ((p-1)*8 + g) * 64 KiB.
 */
#define ROUNDS 1000
#define NPROC 32
#define NPAGE 8
#define UVA 0x10000000
#define FRAMES 0x2000000
#define SPR_PID 48
#define SPR_DEAR 61
#define SPR_SPRG0 272
#define SPR_SPRG1 273
#define SPR_SPRG2 274
#define SPR_SPRG3 275
#define SPR_IVOR13 413
#define SPR_MMUCR 946

#define PER_PAGE (2 + 16 * 8 + 2)
#define PER_PROC (4 + NPAGE * PER_PAGE + 3)
#define PER_ROUND (1 + NPROC * PER_PROC + 2)
#define MISS_INSNS 37

	.text
	.globl bench_vectors
bench_vectors:
	lis r4, dtlb_miss@ha
	addi r4, r4, dtlb_miss@l
	mtspr SPR_IVOR13, r4
	blr

	.globl bench_main
bench_main:
	mflr r0
	stwu r1, -16(r1)
	stw r0, 20(r1)
	lis r3, 0x9e37
	ori r3, r3, 0x79b9		/* checksum, seeded */
	lis r20, ROUNDS@ha
	addi r20, r20, ROUNDS@l

	.balign 16
round:	li r21, 1			/* TID */
proc:	mtspr SPR_PID, r21
	isync
	lis r7, UVA@h
	li r22, NPAGE
page:	li r0, 16
	mtctr r0
1:	lwz r8, 0(r7)			/* one word in each 4 KiB part */
	add r8, r8, r3
	rotlwi r8, r8, 3
	stw r8, 0(r7)
	add r3, r3, r8
	addi r3, r3, 0x79b9
	addi r7, r7, 4096
	bdnz 1b
	addic. r22, r22, -1
	bne page
	addi r21, r21, 1
	cmpwi r21, NPROC + 1
	bne proc
	addic. r20, r20, -1
	bne round

	li r0, 0
	mtspr SPR_PID, r0
	mr r4, r3
	/* insns = ROUNDS * PER_ROUND + misses * (MISS_INSNS + 1), 64-bit */
	lis r9, ROUNDS@ha
	addi r9, r9, ROUNDS@l
	lis r10, PER_ROUND@ha
	addi r10, r10, PER_ROUND@l
	mullw r6, r9, r10
	mulhwu r5, r9, r10
	lwz r9, misses@l(0)
	li r10, MISS_INSNS + 1
	mullw r11, r9, r10
	mulhwu r12, r9, r10
	addc r6, r6, r11
	adde r5, r5, r12
	lis r3, name@ha
	addi r3, r3, name@l
	bl report
	lis r3, s_misses@ha
	addi r3, r3, s_misses@l
	bl puts
	lwz r3, misses@l(0)
	bl puthex
	li r3, '\n'
	bl putc
	lwz r0, 20(r1)
	mtlr r0
	addi r1, r1, 16
	blr

/* Data TLB miss: MISS_INSNS instructions to the rfi, inclusive, always. */
	.balign 16
dtlb_miss:
	mtspr SPR_SPRG0, r10
	mtspr SPR_SPRG1, r11
	mtspr SPR_SPRG2, r12
	mfcr r10
	mtspr SPR_SPRG3, r10
	mfspr r10, SPR_DEAR
	addis r11, r10, -(UVA >> 16)
	srwi r11, r11, 16		/* page index */
	cmplwi r11, NPAGE
	bge bad_miss
	mfspr r12, SPR_PID
	mtspr SPR_MMUCR, r12		/* tlbwe writes TID = STID = PID */
	addi r12, r12, -1
	slwi r12, r12, 3		/* (PID - 1) * NPAGE */
	add r11, r11, r12
	slwi r11, r11, 16
	addis r11, r11, FRAMES >> 16	/* RPN */
	lwz r12, tlb_next@l(0)
	tlbwe r11, r12, 1
	li r11, 0x001b			/* UR UW SR SW */
	tlbwe r11, r12, 2
	rlwinm r10, r10, 0, 0, 15	/* EPN, 64 KiB aligned */
	ori r10, r10, 0x0230		/* V, SIZE 3 = 64 KiB */
	tlbwe r10, r12, 0
	addi r12, r12, 1
	rlwinm r12, r12, 0, 27, 31
	ori r12, r12, 32		/* next victim: 32-63 */
	stw r12, tlb_next@l(0)
	lwz r12, misses@l(0)
	addi r12, r12, 1
	stw r12, misses@l(0)
	mfspr r10, SPR_SPRG3
	mtcr r10
	mfspr r10, SPR_SPRG0
	mfspr r11, SPR_SPRG1
	mfspr r12, SPR_SPRG2
	rfi

bad_miss:
	li r3, 13
	b unexpected

	.section .rodata
name:		.asciz "tlb440"
s_misses:	.asciz "tlb440 misses=0x"

	.data
	.balign 4
tlb_next:	.long 32
misses:		.long 0
	.globl low_vars_end
low_vars_end:

	.section .note.GNU-stack, "", @progbits
