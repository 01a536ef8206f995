/*
 * Entry shared by the ppc440 bench guests (QEMU -M bamboo compatible,
 * entered with MSR = 0).  Rewrites the TLB as the guest wants it rather
 * than trusting the loader's boot entries:
 *   entry 0: 0 -> 0, 256 MiB, TID 0, supervisor RWX (kernel, pinned)
 *   entry 1: 0xef600000 -> 0xef600000, 4 KiB, I|G (UART0)
 *   entries 2-63: invalid
 * points every interrupt vector at a stub that reports it and resets,
 * except those a guest installs itself (bench_vectors), then calls
 * bench_main and ends by DBCR0[RST] (system reset), as Linux does.
 *
 * report prints one line: NAME checksum=0x........ insns=0x................
 */
#define UART 0xef600300
#define SPR_PID 48
#define SPR_DEAR 61
#define SPR_IVPR 63
#define SPR_DBCR0 308
#define SPR_IVOR0 400
#define SPR_MMUCR 946

	.section .text.start, "ax"
	.globl _start
_start:
	lis r1, stack_top@ha
	addi r1, r1, stack_top@l
	li r0, 0
	stwu r0, -16(r1)
	mtspr SPR_MMUCR, r0		/* STID = 0, STS = 0 */
	mtspr SPR_PID, r0

	li r3, 0			/* entry 0: kernel, 256 MiB */
	li r4, 0x0290			/* EPN 0, V, SIZE 9 = 256 MiB */
	li r5, 0
	li r6, 0x0007			/* SX SW SR */
	bl tlb_set
	li r3, 1			/* entry 1: UART0 page */
	lis r4, 0xef60
	ori r4, r4, 0x0210		/* V, SIZE 1 = 4 KiB */
	lis r5, 0xef60
	li r6, 0x0503			/* I G, SW SR */
	bl tlb_set
	li r3, 2
1:	li r0, 0
	tlbwe r0, r3, 0			/* word 0 = 0: invalid */
	addi r3, r3, 1
	cmpwi r3, 64
	bne 1b
	isync

	li r0, 0
	mtspr SPR_IVPR, r0
	li r3, 0			/* IVOR n -> stub n */
	lis r4, vec_stubs@ha
	addi r4, r4, vec_stubs@l
2:	lis r5, ivor_set@ha		/* mtspr takes a constant SPR: dispatch */
	addi r5, r5, ivor_set@l
	slwi r6, r3, 3
	add r5, r5, r6
	mtctr r5
	bctrl
	addi r4, r4, 16
	addi r3, r3, 1
	cmpwi r3, 16
	bne 2b
	bl bench_vectors
	bl bench_main
	.globl guest_reset
guest_reset:
	lis r3, 0x3000			/* DBCR0[RST] = system reset */
	mtspr SPR_DBCR0, r3
3:	b 3b

/* tlb_set: r3 = index, r4 = word 0, r5 = word 1 (RPN), r6 = word 2 (attributes) */
tlb_set:
	tlbwe r5, r3, 1
	tlbwe r6, r3, 2
	tlbwe r4, r3, 0
	blr

/* ivor_set + 8*n: IVORn = r4 */
	.balign 8
ivor_set:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	mtspr SPR_IVOR0 + \n, r4
	blr
	.endr

/* One 16-byte stub per vector: report which, where, then reset. */
	.balign 16
vec_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.balign 16
	li r3, \n
	b unexpected
	.endr

	.globl unexpected
unexpected:
	mr r31, r3
	lis r3, s_unexpected@ha
	addi r3, r3, s_unexpected@l
	bl puts
	mr r3, r31
	bl puthex
	lis r3, s_srr0@ha
	addi r3, r3, s_srr0@l
	bl puts
	mfsrr0 r3
	bl puthex
	lis r3, s_dear@ha
	addi r3, r3, s_dear@l
	bl puts
	mfspr r3, SPR_DEAR
	bl puthex
	li r3, '\n'
	bl putc
	b guest_reset

/* putc: r3; clobbers r9, r10 */
	.globl putc
putc:
	lis r9, UART@ha
	addi r9, r9, UART@l
1:	lbz r10, 5(r9)
	andi. r10, r10, 0x20
	beq 1b
	stb r3, 0(r9)
	blr

/* puts: r3 = string; clobbers r3, r9-r11 */
	.globl puts
puts:
	mflr r11
	mr r12, r3
1:	lbz r3, 0(r12)
	cmpwi r3, 0
	beq 2f
	bl putc
	addi r12, r12, 1
	b 1b
2:	mtlr r11
	blr

/* puthex: r3, 8 digits; clobbers r3, r9-r12 */
	.globl puthex
puthex:
	mflr r11
	mr r12, r3
	li r0, 8
	mtctr r0
1:	rotlwi r12, r12, 4
	andi. r3, r12, 15
	addi r3, r3, '0'
	cmpwi r3, '9'
	ble 2f
	addi r3, r3, 'a' - '9' - 1
2:	bl putc
	bdnz 1b
	mtlr r11
	blr

/* report: r3 = name, r4 = checksum, r5:r6 = instruction count */
	.globl report
report:
	mflr r0
	stwu r1, -32(r1)
	stw r0, 36(r1)
	stw r4, 8(r1)
	stw r5, 12(r1)
	stw r6, 16(r1)
	bl puts
	lis r3, s_checksum@ha
	addi r3, r3, s_checksum@l
	bl puts
	lwz r3, 8(r1)
	bl puthex
	lis r3, s_insns@ha
	addi r3, r3, s_insns@l
	bl puts
	lwz r3, 12(r1)
	bl puthex
	lwz r3, 16(r1)
	bl puthex
	li r3, '\n'
	bl putc
	lwz r0, 36(r1)
	mtlr r0
	addi r1, r1, 32
	blr

/* A guest without vectors of its own. */
	.weak bench_vectors
bench_vectors:
	blr

	.section .rodata
s_unexpected:	.asciz "unexpected interrupt 0x"
s_srr0:		.asciz " srr0=0x"
s_dear:		.asciz " dear=0x"
s_checksum:	.asciz " checksum=0x"
s_insns:	.asciz " insns=0x"

	.section .note.GNU-stack, "", @progbits
