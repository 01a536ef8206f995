/*
 * The modes a boot loader goes through, with what each mode changes in
 * how instructions work.  Multiboot enters in 32-bit protected mode; the
 * 16-bit code is copied to 0x7000, as a loader's trampoline is, and runs
 * with segment bases of 0x7000 so that its offsets are its own:
 * - 16-bit protected mode, then real mode: an int through the IVT (the
 *   handler sees the caller's CS on its stack), segment arithmetic (one
 *   byte through three segment:offset pairs), a 16-bit offset wrapping
 *   inside its segment;
 * - 16-bit protected mode entered from real mode: a D=0 code segment and
 *   a B=0 stack, 32-bit operands and addresses through prefixes (pushl on
 *   a 16-bit stack moves SP by 4);
 * - 32-bit protected mode, then PAE and long mode: 64-bit registers and
 *   operands, EFER; compatibility mode through a far jmp to a 32-bit code
 *   segment, where 0x40 is inc %eax and not a REX prefix; paging off
 *   there leaves long mode, back in 32-bit protected mode, which prints
 *   what every mode left in the result table.
 */
#include "boot.h"

#define LOW 0x7000
#define R(n) (res - blob + 4 * (n))	/* a result: offset from a base of LOW */
#define LIN(n) (LOW + R(n))		/* and its linear address */

	MULTIBOOT_ENTRY stack_top
	mov $blob, %esi
	mov $LOW, %edi
	mov $blob_end - blob, %ecx
	rep movsb
	ljmp $0x18, $pm16_down - blob

/* Back from 16-bit protected mode: on to long mode. */
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $stack_top, %esp
	mov %cr0, %eax
	mov %eax, LIN(8)
	LONG_MODE_ON 3
	ljmp $0x28, $long64

	.code64
long64:
	mov $0x0123456789abcdef, %rax
	bswap %rax
	mov %eax, LIN(9)
	shr $32, %rax
	mov %eax, LIN(10)
	mov $5, %r15d
	shl $40, %r15
	shr $32, %r15
	mov %r15d, LIN(11)
	mov $0xc0000080, %ecx
	rdmsr
	mov %eax, LIN(12)
	mov %cs, %eax
	mov %eax, LIN(13)
	ljmp *compat_ptr(%rip)

	.code32
compat:
	mov %cs, %eax
	mov %eax, LIN(14)
	mov $7, %eax
	.byte 0x40			/* inc %eax: no REX outside 64-bit code */
	mov %eax, LIN(15)
	mov $0xc0000080, %ecx
	rdmsr
	mov %eax, LIN(16)
	/* paging off leaves long mode; then LME off */
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	mov $0xc0000080, %ecx
	rdmsr
	mov %eax, LIN(17)
	and $~0x100, %eax
	wrmsr

#define SHOW(n, msg) push $msg; call ser_puts; add $4, %esp; push LIN(n); call put_hex; \
	add $4, %esp; push $'\n'; call ser_putc; add $4, %esp
	SHOW(0, m_int_bx)
	SHOW(1, m_int_cs)
	SHOW(2, m_seg_es)
	SHOW(3, m_seg_fs)
	SHOW(4, m_seg_gs)
	SHOW(5, m_wrap)
	SHOW(18, m_pm16_cs)
	SHOW(6, m_pm16_rol)
	SHOW(7, m_pm16_sp)
	SHOW(19, m_pm16_pop)
	SHOW(20, m_pm16_a32)
	SHOW(8, m_pm32_cr0)
	SHOW(9, m_l64_lo)
	SHOW(10, m_l64_hi)
	SHOW(11, m_l64_r15)
	SHOW(12, m_l64_efer)
	SHOW(13, m_l64_cs)
	SHOW(14, m_cm_cs)
	SHOW(15, m_cm_inc)
	SHOW(16, m_cm_efer)
	SHOW(17, m_pm32_efer)
	push $m_done
	call ser_puts
	xor %eax, %eax
	outl %eax, $0xf4
2:	hlt
	jmp 2b

/*
 * The 16-bit code, copied to LOW.  Every address in it is an offset from
 * LOW: real mode runs it with segments 0x0700, 16-bit protected mode with
 * segments based at LOW.
 */
	.code16
blob:
pm16_down:
	mov $0x20, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr0, %eax
	and $~1, %eax
	mov %eax, %cr0
	ljmp $LOW >> 4, $real - blob
real:
	mov $LOW >> 4, %ax
	mov %ax, %ds
	xor %ax, %ax
	mov %ax, %ss
	mov $LOW, %sp
	mov %ax, %es
	lidt ivt_desc - blob
	movw $int30 - blob, %es:0x30 * 4
	movw $LOW >> 4, %es:0x30 * 4 + 2
	mov $0x1234, %ax
	int $0x30
	mov %bx, R(0)
	/* one byte, three ways: 0x1234:0x0010 = 0x1235:0 = 0x1000:0x2350 */
	mov $0x1234, %ax
	mov %ax, %es
	movl $0xcafe5678, %es:0x10
	mov $0x1235, %ax
	mov %ax, %fs
	mov $0x1000, %ax
	mov %ax, %gs
	mov %es:0x10, %eax
	mov %eax, R(2)
	mov %fs:0, %eax
	mov %eax, R(3)
	mov %gs:0x2350, %eax
	mov %eax, R(4)
	/* 0xffff + 1 wraps to offset 0 of the segment */
	movb $0x5a, %es:0
	mov $0xffff, %bx
	movzbl %es:1(%bx), %eax
	mov %eax, R(5)

	/* into 16-bit protected mode */
	lgdtl gdt_desc_low - blob
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmp $0x18, $pm16 - blob
pm16:
	mov $0x20, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0xf00, %sp
	mov %cs, %ax
	mov %ax, R(18)
	mov $0x89abcdef, %eax
	rol $8, %eax
	mov %eax, R(6)
	mov %sp, %bx
	pushl $0x11223344
	mov %sp, %cx
	popl %edx
	sub %cx, %bx
	mov %bx, R(7)
	mov %edx, R(19)
	mov $0x10, %ax			/* flat data: a 32-bit address from 16-bit code */
	mov %ax, %fs
	mov $marker, %esi
	addr32 mov %fs:(%esi), %eax
	mov %eax, R(20)
	ljmpl $0x08, $pm32

int30:
	mov %ax, %bx
	add %bx, %bx
	push %bp
	mov %sp, %bp
	mov 4(%bp), %ax			/* bp, ip, then the caller's cs */
	mov %ax, R(1)
	pop %bp
	iret

ivt_desc:
	.word 0x3ff
	.long 0
gdt_desc_low:
	.word gdt_end - gdt - 1
	.long gdt
	.align 4
res:	.space 4 * 24
blob_end:

	.data
compat_ptr:
	.long compat
	.word 0x08
marker:	.long 0x600dc0de
m_int_bx:	.asciz "real mode: int 0x30 through the IVT doubled ax: bx="
m_int_cs:	.asciz "real mode: the caller's cs on the handler's stack="
m_seg_es:	.asciz "real mode: 1234:0010="
m_seg_fs:	.asciz "real mode: 1235:0000="
m_seg_gs:	.asciz "real mode: 1000:2350="
m_wrap:		.asciz "real mode: es:[0xffff+1] wraps to es:0="
m_pm16_cs:	.asciz "16-bit protected mode: cs="
m_pm16_rol:	.asciz "16-bit protected mode: roll $8 of 0x89abcdef="
m_pm16_sp:	.asciz "16-bit protected mode: pushl moves sp by "
m_pm16_pop:	.asciz "16-bit protected mode: popl="
m_pm16_a32:	.asciz "16-bit protected mode: addr32 load from 1 MiB up="
m_pm32_cr0:	.asciz "32-bit protected mode: cr0="
m_l64_lo:	.asciz "64-bit mode: bswap of 0x0123456789abcdef, low half="
m_l64_hi:	.asciz "64-bit mode: high half="
m_l64_r15:	.asciz "64-bit mode: r15="
m_l64_efer:	.asciz "64-bit mode: efer="
m_l64_cs:	.asciz "64-bit mode: cs="
m_cm_cs:	.asciz "compatibility mode: cs="
m_cm_inc:	.asciz "compatibility mode: 7 after 0x40="
m_cm_efer:	.asciz "compatibility mode: efer="
m_pm32_efer:	.asciz "32-bit protected mode again: efer="
m_done:		.asciz "modes: done\n"
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
	.quad 0x00009a007000ffff	/* 0x18: 16-bit code, base LOW, 64 KiB */
	.quad 0x000092007000ffff	/* 0x20: 16-bit data, base LOW, 64 KiB */
	.quad 0x00af9a000000ffff	/* 0x28: 64-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	LONG_MODE_TABLES
	.space 4096
stack_top:

	.section .note.GNU-stack, "", @progbits
