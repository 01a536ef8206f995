/*
 * A kernel-like loop for the paravirtual guest (pv.c): EE toggled around a
 * critical section, SPRG/SRR/ESR moves, MSR reads and writes.  Run first
 * as assembled (every privileged instruction traps), then after pv.c has
 * rewritten it the way Linux's arch/powerpc/kernel/kvm.c does: moves and
 * mfmsr become loads and stores on the magic page at -4096, and wrteei,
 * wrtee and mtmsr become branches to the templates below (after
 * kvm_emul.S), which store the MSR in the magic page and take the real
 * instruction only when an interrupt is pending or a critical bit changes.
 *
 * uint32_t pv_kloop(uint32_t iterations): a checksum of what it read.
 */
#define MAGIC(off) (-4096 + (off))(0)
#define M_SCRATCH1 0
#define M_SCRATCH2 8
#define M_SCRATCH3 16
#define M_CRITICAL 28	/* the low words of the 64-bit fields */
#define M_MSR 92
#define M_INT 100
#define MSR_EE 0x8000

	.text
	.globl pv_kloop, pv_kloop_end, pv_sites, pv_templates
	.align 4
pv_kloop:
	mtctr	%r3
	li	%r10, 0
1:	rotlwi	%r10, %r10, 5
	addi	%r10, %r10, 1
site_wrteei0:
	wrteei	0
	mfmsr	%r5
	add	%r10, %r10, %r5
	mtspr	272, %r10		/* SPRG0 */
	mfspr	%r6, 272
	mtspr	273, %r6		/* SPRG1 */
	mfspr	%r6, 273
	mtspr	26, %r6			/* SRR0 */
	mfspr	%r7, 26
	mtspr	27, %r5			/* SRR1 */
	mfspr	%r8, 27
	mfspr	%r9, 62			/* ESR */
	rotlwi	%r7, %r7, 7
	xor	%r10, %r10, %r7
	add	%r10, %r10, %r8
	add	%r10, %r10, %r9
site_wrteei1:
	wrteei	1
	mfmsr	%r5
	add	%r10, %r10, %r5
	rlwinm	%r5, %r5, 0, 17, 15	/* EE off */
site_wrtee:
	wrtee	%r5
	mfmsr	%r5
	ori	%r5, %r5, MSR_EE
site_mtmsr:
	mtmsr	%r5
	mfmsr	%r5
	add	%r10, %r10, %r5
	bdnz	1b
	mr	%r3, %r10
	blr
pv_kloop_end:

	/* where each branch-to-template goes: site, template (pv.c patches the site) */
	.section .rodata
	.align 2
pv_sites:
	.long	site_wrteei0, t_wrteei0
	.long	site_wrteei1, t_wrteei1
	.long	site_wrtee, t_wrtee
	.long	site_mtmsr, t_mtmsr
	.long	0, 0

/*
 * The templates.  SCRATCH_SAVE marks the critical section (critical = r1),
 * so the hypervisor holds interrupts off while the magic page's MSR is
 * being rewritten; SCRATCH_RESTORE ends it (critical = r2, never r1).
 */
	.macro SCRATCH_SAVE
	stw	%r1, MAGIC(M_CRITICAL)
	stw	%r31, MAGIC(M_SCRATCH1)
	stw	%r30, MAGIC(M_SCRATCH2)
	mfcr	%r31
	stw	%r31, MAGIC(M_SCRATCH3)
	.endm
	.macro SCRATCH_RESTORE
	lwz	%r31, MAGIC(M_SCRATCH1)
	lwz	%r30, MAGIC(M_SCRATCH3)
	mtcr	%r30
	lwz	%r30, MAGIC(M_SCRATCH2)
	stw	%r2, MAGIC(M_CRITICAL)
	.endm

	/* EE <- \val (a register holding the new EE, or an immediate 0/1 as li) then back */
	.macro EE_TEMPLATE name, real, back, src:vararg
\name:
	SCRATCH_SAVE
	lwz	%r31, MAGIC(M_MSR)
	\src
	rlwimi	%r31, %r30, 0, 16, 16	/* insert MSR[EE] */
	andi.	%r30, %r30, MSR_EE
	beq	1f
	lwz	%r30, MAGIC(M_INT)
	cmpwi	%r30, 0
	beq	1f
	/* an interrupt waits: the real instruction lets the hypervisor deliver it */
	SCRATCH_RESTORE
	\real
	b	\back
1:	stw	%r31, MAGIC(M_MSR)
	SCRATCH_RESTORE
	b	\back
	.endm

	.text
	.align 4
pv_templates:
	EE_TEMPLATE t_wrteei0, "wrteei 0", site_wrteei0 + 4, li %r30, 0
	EE_TEMPLATE t_wrteei1, "wrteei 1", site_wrteei1 + 4, li %r30, -1
	EE_TEMPLATE t_wrtee, "wrtee %r5", site_wrtee + 4, mr %r30, %r5

	/* mtmsr r5: only EE (and RI) may change without the hypervisor */
t_mtmsr:
	SCRATCH_SAVE
	lwz	%r31, MAGIC(M_MSR)
	xor	%r30, %r31, %r5
	rlwinm.	%r30, %r30, 0, 17, 15	/* a change of any bit but EE */
	bne	2f
	stw	%r5, MAGIC(M_MSR)
	andi.	%r30, %r5, MSR_EE
	beq	1f
	lwz	%r30, MAGIC(M_INT)
	cmpwi	%r30, 0
	bne	2f
1:	SCRATCH_RESTORE
	b	site_mtmsr + 4
2:	SCRATCH_RESTORE
	mtmsr	%r5
	b	site_mtmsr + 4

	.section .note.GNU-stack, "", @progbits
