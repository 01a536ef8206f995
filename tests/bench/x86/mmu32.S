/*
 * MMU-heavy: 64 address spaces (32-bit paging, 4 KiB pages), CR3 switched
 * every ~2100 instructions, 16 pages touched in each, as a scheduler
 * rotating through 64 processes would.  The kernel's identity map of the
 * first 8 MiB is two page tables shared by every page directory (as Linux
 * shares its kernel half); each process maps 16 private pages at 1 GiB.
 *
 * Built with -DREMAP: before touching its pages each process also moves
 * every one of them to its other frame by rewriting the PTE, then invlpg,
 * as munmap/mmap or copy-on-write churn does.
 *
 * Physical layout (guest needs 16 MiB):
 *   0x200000  two kernel page tables (0-8 MiB, identity)
 *   0x210000  64 page directories
 *   0x250000  64 user page tables
 *   0x800000  user frames A: process p, page g at 0x800000 + (p*16+g)*4K
 *   0xc00000  user frames B: the same | 0x400000 (REMAP only)
 */
#define ROUNDS 2000
#define NPROC 64
#define NPAGE 16
#define KPT 0x200000
#define PD_BASE 0x210000
#define UPT_BASE 0x250000
#define FRAMES 0x800000
#define UVA 0x40000000

/* instructions per address space, from the loops below */
#define TOUCH_PER_AS (1 + 1 + NPAGE * (1 + 16 * 8 + 3) + 4)
#ifdef REMAP
#define REMAP_PER_AS (2 + NPAGE * 6)
#define NAME "mmu32_remap"
#else
#define REMAP_PER_AS 0
#define NAME "mmu32"
#endif
#define INSNS (ROUNDS * (2 + NPROC * (TOUCH_PER_AS + REMAP_PER_AS) + 2))

	.text
	.globl bench_main
bench_main:
	movl $KPT, %edi			/* all page-table pages: zero */
	xorl %eax, %eax
	movl $(UPT_BASE + NPROC * 4096 - KPT) / 4, %ecx
	rep stosl

	movl $KPT, %edi			/* identity map 0-8 MiB */
	movl $0x003, %eax		/* P | W */
	movl $2048, %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $4, %edi
	loop 1b

	xorl %ebx, %ebx			/* process */
2:	movl %ebx, %edi
	shll $12, %edi
	leal PD_BASE(%edi), %edx	/* its page directory */
	leal UPT_BASE(%edi), %edi	/* its user page table */
	movl $KPT + 0x003, 0(%edx)
	movl $KPT + 0x1003, 4(%edx)
	leal 0x007(%edi), %eax		/* P | W | U */
	movl %eax, (UVA >> 22) * 4(%edx)
	movl %ebx, %eax			/* first frame: FRAMES + p*16*4K */
	shll $16, %eax
	addl $FRAMES + 0x007, %eax
	movl $NPAGE, %ecx
3:	movl %eax, (%edi)
	addl $4096, %eax
	addl $4, %edi
	loop 3b
	incl %ebx
	cmpl $NPROC, %ebx
	jne 2b

	movl $PD_BASE, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0

	pushl %ebp
	movl $0x9e3779b9, %esi		/* checksum, seeded */
	movl $ROUNDS, %ebp
	.align 16
round:	movl $PD_BASE, %edx
	movl $UPT_BASE, %ecx
space:	movl %edx, %cr3
#ifdef REMAP
	movl $UVA, %edi
	xorl %eax, %eax
4:	xorl $0x400000, (%ecx,%eax,4)	/* frame A <-> frame B */
	invlpg (%edi)
	addl $4096, %edi
	incl %eax
	cmpl $NPAGE, %eax
	jne 4b
#endif
	movl $UVA, %edi
page:	xorl %eax, %eax
5:	movl (%edi,%eax), %ebx
	addl %esi, %ebx
	roll $3, %ebx
	movl %ebx, (%edi,%eax)
	leal 0x9e3779b9(%esi,%ebx), %esi
	addl $256, %eax
	cmpl $4096, %eax
	jne 5b
	addl $4096, %edi
	cmpl $UVA + NPAGE * 4096, %edi
	jne page
	addl $4096, %edx
	addl $4096, %ecx
	cmpl $PD_BASE + NPROC * 4096, %edx
	jne space
	decl %ebp
	jnz round
	popl %ebp

	movl %esi, %eax
	movl $name, %esi
	movl $INSNS >> 32, %edx
	movl $INSNS & 0xffffffff, %ecx
	jmp report

	.section .rodata
name:	.asciz NAME

	.section .note.GNU-stack, "", @progbits
