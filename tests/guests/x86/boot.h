/*
 * What the guests with their own multiboot entry (boot.S, cpu_boot64.S,
 * cpu_modes.S, realmode.S) do alike: the header, flat segments from their
 * own GDT (multiboot leaves GDTR undefined), and the way into long mode.
 */
#ifndef GUEST_BOOT_H
#define GUEST_BOOT_H

/*
 * The multiboot header (page-aligned modules and the memory map asked
 * for) and _start, entered in 32-bit protected mode: gdt_desc loaded,
 * CS = 0x08, the data segments 0x10, esp = stack.  Keeps all registers
 * but %ecx: %eax and %ebx still hold the multiboot magic and info.
 */
.macro MULTIBOOT_ENTRY stack
	.pushsection .multiboot, "a"
	.align 4
	.long 0x1badb002
	.long 0x00000003
	.long -(0x1badb002 + 0x00000003)
	.popsection

	.text
	.code32
	.globl _start
_start:
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $\stack, %esp
.endm

/*
 * From 32-bit protected mode: identity-map the first GiB with 2 MiB pages
 * (LONG_MODE_TABLES; flags 3, or 7 for ring-3 code on the same map),
 * enable PAE, EFER.LME and paging; long mode is active, in compatibility
 * mode until a far jump to a 64-bit code segment.
 */
.macro LONG_MODE_ON flags
	movl $pdpt + \flags, pml4
	movl $pd + \flags, pdpt
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x80 | \flags, %eax
	movl %eax, pd(,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 2b
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax		/* PG: long mode becomes active */
	movl %eax, %cr0
.endm

/* in .bss: LONG_MODE_ON's tables */
.macro LONG_MODE_TABLES
	.align 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4096
.endm

#endif
