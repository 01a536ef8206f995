/* Multiboot entry for the 64-bit C guests: from the 32-bit protected mode
 * multiboot leaves, identity-map the first GiB with 2 MiB pages, enable
 * PAE, EFER.LME and paging, far-jump to a 64-bit code segment, and call
 * main(magic, info) with its return value to the debug-exit port. */
	.section .multiboot, "a"
	.align 4
	.long 0x1badb002
	.long 0x00000003
	.long -(0x1badb002 + 0x00000003)

	.text
	.code32
	.globl _start
_start:
	movl %eax, %edi			/* multiboot magic and info: main's arguments */
	movl %ebx, %esi
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %ss
	movl $stack_top, %esp
	/* pml4[0] -> pdpt, pdpt[0] -> pd, pd[n] = n * 2 MiB (present, writable,
	 * user, large): ring-3 tests run on the same map */
	movl $pdpt + 7, pml4
	movl $pd + 7, pdpt
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x87, %eax
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
	ljmp $0x18, $long64

	.code64
long64:
	movl $stack_top, %esp
	call main
	movl %eax, %edx
	outl %eax, $0xf4
3:	hlt
	jmp 3b

	.data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.bss
	.align 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4096
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
