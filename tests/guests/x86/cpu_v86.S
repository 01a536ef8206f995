/*
 * 16-bit TSSes and virtual-8086 mode (entered by boot.S, which calls main
 * in ring 0):
 * - a far call to a 286 TSS (task A): its registers come from the 16-bit
 *   TSS (upper halves zero), FS and GS are null, NT set, the link names
 *   the caller; A's iret goes back and saves its IP, FLAGS (NT clear) and
 *   registers as words; A again through a task gate, then by far jmp
 *   (NT clear, busy bits move) and back by far jmp;
 * - virtual-8086 mode entered by iret from ring 0: segment arithmetic,
 *   rep movsb, the 0x66 and 0x67 prefixes, a far call and ret through
 *   another segment value, COM1 granted by the TSS I/O bitmap and port
 *   0x61 denied (#GP(0)), cli, pushf, int n and hlt at IOPL 0 (#GP(0)),
 *   int3 through a DPL-3 gate (not IOPL-sensitive; its handler raises
 *   IOPL to 3), then at IOPL 3 cli, pushf, an int n whose ring-0 handler
 *   prints the frame (GS FS DS ES SS ESP EFLAGS CS EIP) and the null data
 *   segments it was given and irets back to virtual-8086 mode, and a
 *   real-mode iret; int $0x31 leaves for good.
 * Each step prints one line or a few; main returns 0.
 */
#include "asm32.h"
#define TYPE(sel) movzbl gdt + (sel) + 5, %eax; and $0xf, %eax

/* virtual-8086 code runs at 0x800:0 (copied to 0x8000), its stack at 0x900:0x1000 */
#define V86_BASE 0x8000
#define R(n) (0x600 + 2 * (n))		/* result words, printed by int $0x31's handler */
#define RESUME 0x6f0			/* where #GP's handler resumes the v86 code */
#define COPY 0x680			/* rep movsb's destination */
#define OFF(label) ((label) - v86_start)

	.text
	.globl main
main:
	MAIN_ENTER msg_start
	SEG(gdt + 0x28, tss, 0x68 + 128, 0x0089)	/* the I/O bitmap up to port 0x3ff */
	SEG(gdt + 0x30, tss16_a, 0x2b, 0x0081)		/* a 286 TSS */
	SEG(gdt + 0x38, a16_entry, 0xfffff, 0xc09a)	/* task A's code, at offset 0 */
	GATE(gdt + 0x40, 0, 0x30, 0x8500)		/* task gate -> A */
	INTR(13, gp86)
	INTR(3, bp86)
	INTR(0x30, int30)
	INTR(0x31, int31)
	orb $0x60, idt + 3 * 8 + 5			/* DPL 3: reachable by int3 and int n */
	orb $0x60, idt + 0x30 * 8 + 5
	orb $0x60, idt + 0x31 * 8 + 5
	movw $0x68, tss + 0x66				/* the I/O bitmap: only COM1 granted */
	mov $tss + 0x68, %edi
	mov $129, %ecx
	mov $0xff, %al
	rep stosb
	movb $0, tss + 0x68 + 0x3f8 / 8
	TABLES_LOAD k_stack_top
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs

	/* 1: a far call to the 16-bit task A and its iret back */
	mov $0x11111111, %esi
	lcall $0x30, $0
	SHOW(msg_back_esi, %esi)
	movzwl tss16_a + 0x0e, %eax
	SHOW(msg_a_ip, %eax)
	movzwl tss16_a + 0x10, %eax
	SHOW(msg_a_flags, %eax)
	movzwl tss16_a + 0x18, %eax
	SHOW(msg_a_bx, %eax)
	TYPE(0x30)
	SHOW(msg_type_a, %eax)
	/* 2: through a task gate; 3: by far jmp, and A jumps back */
	lcall $0x40, $0
	ljmp $0x30, $0
	TYPE(0x30)
	SHOW(msg_type_a, %eax)
	TYPE(0x28)
	SHOW(msg_type_main, %eax)

	/* 4: virtual-8086 mode by iret */
	mov $v86_start, %esi
	mov $V86_BASE, %edi
	mov $v86_end - v86_start, %ecx
	rep movsb
	push $0x800			/* gs */
	push $0x800			/* fs */
	push $0x800			/* ds */
	push $0x800			/* es */
	push $0x900			/* ss */
	push $0x1000			/* esp */
	push $0x20002			/* eflags: VM, IOPL 0 */
	push $0x800			/* cs */
	push $0				/* eip */
	iret

/* Task A: a 286 TSS, 32-bit code whose segment starts here. */
a16_entry:
	SHOW(msg_a_eax, %eax)
	SHOW(msg_a_esp, %esp)
	xor %eax, %eax
	mov %fs, %ax
	SHOW(msg_a_fs, %eax)
	str %eax
	SHOW(msg_tr, %eax)
	movzwl tss16_a, %eax
	SHOW(msg_link, %eax)
	pushf
	pop %eax
	shr $14, %eax
	and $1, %eax
	SHOW(msg_nt, %eax)
	mov $0x1234abcd, %ebx
	pushf
	testl $0x4000, (%esp)
	lea 4(%esp), %esp
	jz 1f
	iret
a_after_iret:
	jmp a16_entry
1:	ljmp $0x28, $0
	jmp a16_entry

/* #GP from virtual-8086 mode: error code, then EIP CS EFLAGS ESP SS ES DS FS GS. */
gp86:
	pushal
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	SHOW(msg_gp, 32(%esp))
	SHOW(msg_ip, 36(%esp))
	movzwl V86_BASE + RESUME, %eax
	mov %eax, 36(%esp)
	popal
	add $4, %esp
	iret

/* int3 from virtual-8086 mode: the frame's EFLAGS, and IOPL 3 from now on */
bp86:
	pushal
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	SHOW(msg_bp_ip, 32(%esp))
	SHOW(msg_bp_fl, 40(%esp))
	orl $0x3000, 40(%esp)
	popal
	iret

/* int $0x30: the segments the handler was given, then the frame; iret back */
int30:
	pushal
	mov %ds, %ss:seen
	mov %es, %ss:seen + 2
	mov %fs, %ss:seen + 4
	mov %gs, %ss:seen + 6
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	movzwl seen, %eax
	SHOW(msg_h_ds, %eax)
	movzwl seen + 2, %eax
	SHOW(msg_h_es, %eax)
	movzwl seen + 4, %eax
	SHOW(msg_h_fs, %eax)
	movzwl seen + 6, %eax
	SHOW(msg_h_gs, %eax)
	xor %ebx, %ebx
1:	push 32(%esp, %ebx, 4)
	push frame_names(, %ebx, 4)
	call show
	add $8, %esp
	inc %ebx
	cmp $9, %ebx
	jne 1b
	popal
	iret

/* int $0x31: what the virtual-8086 code stored, and back to boot.S */
int31:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	xor %ebx, %ebx
1:	movzwl V86_BASE + 0x600(, %ebx, 2), %eax
	push %eax
	push result_names(, %ebx, 4)
	call show
	add $8, %esp
	inc %ebx
	cmp $10, %ebx
	jne 1b
	push $V86_BASE + COPY
	call ser_puts
	add $4, %esp
	MAIN_RETURN msg_done

	.data
/* The virtual-8086 code: copied to 0x8000, offsets from v86_start. */
	.code16
v86_start:
	/* segment arithmetic: 0x810:0 is 0x800:0x100 */
	mov $0x810, %ax
	mov %ax, %es
	movw $0x5aa5, %es:0
	mov 0x100, %ax
	mov %ax, R(0)
	/* a string op: the message to 0x800:COPY */
	push %ds
	pop %es
	mov $OFF(v86_msg), %si
	mov $COPY, %di
	mov $v86_msg_end - v86_msg, %cx
	cld
	rep movsb
	mov %di, R(1)
	/* 0x66 and 0x67 */
	movl $0x12345678, %eax
	mov $R(2), %ebx
	addr32 mov %eax, (%ebx)
	/* a far call through another segment value for the same bytes */
	lcall $0x7ff, $OFF(v86_far) + 0x10
	/* COM1 is granted by the I/O bitmap */
	mov $0x3f8, %dx
	mov $'v', %al
	out %al, %dx
	mov $'8', %al
	out %al, %dx
	mov $'6', %al
	out %al, %dx
	mov $'\n', %al
	out %al, %dx
	/* denied by the bitmap, then IOPL-sensitive at IOPL 0: #GP(0) each */
	movw $OFF(1f), RESUME
	in $0x61, %al
1:	movw $OFF(1f), RESUME
	cli
1:	movw $OFF(1f), RESUME
	pushf
1:	movw $OFF(1f), RESUME
	int $0x30
1:	movw $OFF(1f), RESUME
	hlt
1:	/* int3 goes through its DPL-3 gate; the handler raises IOPL to 3 */
	int3
	cli
	pushf
	pop %ax
	mov %ax, R(5)
	sti
	mov $0x801, %ax
	mov %ax, %es
	mov $0x802, %ax
	mov %ax, %fs
	mov $0x803, %ax
	mov %ax, %gs
	mov $0x0fe0, %sp
	int $0x30
	mov %es, R(6)
	mov %fs, R(7)
	mov %sp, R(8)
	/* a real-mode iret at IOPL 3 */
	pushf
	push %cs
	push $OFF(1f)
	iret
1:	movw $0x1ee7, R(9)
	int $0x31
v86_far:
	mov %cs, R(4)
	lret
v86_msg:
	.asciz "copied by rep movsb in v86\n"
v86_msg_end:
v86_end:
	.code32
	.if v86_end - v86_start > 0x600
	.error "the v86 code runs into its results"
	.endif

msg_start:	.asciz "v86: start\n"
msg_back_esi:	.asciz "main after iret: esi="
msg_a_ip:	.asciz "A's saved ip="
msg_a_flags:	.asciz "A's saved flags="
msg_a_bx:	.asciz "A's saved bx="
msg_type_a:	.asciz "A's descriptor type="
msg_type_main:	.asciz "main's descriptor type="
msg_a_eax:	.asciz "task A: eax="
msg_a_esp:	.asciz "  esp="
msg_a_fs:	.asciz "  fs="
msg_tr:		.asciz "  tr="
msg_link:	.asciz "  link="
msg_nt:		.asciz "  eflags.nt="
msg_gp:		.asciz "#GP error="
msg_ip:		.asciz "  ip="
msg_bp_ip:	.asciz "int3: ip="
msg_bp_fl:	.asciz "  eflags="
msg_h_ds:	.asciz "int 0x30: ds="
msg_h_es:	.asciz "  es="
msg_h_fs:	.asciz "  fs="
msg_h_gs:	.asciz "  gs="
f_eip:		.asciz "  frame eip="
f_cs:		.asciz "  frame cs="
f_fl:		.asciz "  frame eflags="
f_esp:		.asciz "  frame esp="
f_ss:		.asciz "  frame ss="
f_es:		.asciz "  frame es="
f_ds:		.asciz "  frame ds="
f_fs:		.asciz "  frame fs="
f_gs:		.asciz "  frame gs="
r_seg:		.asciz "0x810:0 read as 0x800:0x100="
r_di:		.asciz "di after rep movsb="
r_lo:		.asciz "addr32 data32 store, low="
r_hi:		.asciz "  high="
r_cs:		.asciz "cs in the far callee="
r_fl:		.asciz "pushf at iopl 3="
r_es:		.asciz "es after iret to v86="
r_fs:		.asciz "fs after iret to v86="
r_sp:		.asciz "sp after iret to v86="
r_iret:		.asciz "after a real-mode iret="
msg_done:	.asciz "v86: done\n"
	.align 4
frame_names:	.long f_eip, f_cs, f_fl, f_esp, f_ss, f_es, f_ds, f_fs, f_gs
result_names:	.long r_seg, r_di, r_lo, r_hi, r_cs, r_fl, r_es, r_fs, r_sp, r_iret
seen:		.word 0, 0, 0, 0

	.align 8
gdt:
	GDT_RINGS
	.quad 0				/* 0x28: 32-bit TSS, main */
	.quad 0				/* 0x30: 286 TSS, task A */
	.quad 0				/* 0x38: task A's code */
	.quad 0				/* 0x40: task gate -> A */
	GDT_END

/* 286 TSS: link, sp0 ss0 sp1 ss1 sp2 ss2, ip, flags, ax cx dx bx sp bp si di, es cs ss ds, ldt */
	.align 4
tss16_a:
	.word 0, 0, 0, 0, 0, 0, 0
	.word 0, 0x0002
	.word 0xa1, 0xc1, 0xd1, 0xb1, 0x7000, 0xbb, 0x51, 0xd1
	.word 0x10, 0x38, 0x10, 0x10, 0
	.align 4
tss:		.space 0x68 + 129

	.bss
	.align 16
		.space 2048
k_stack_top:

	.section .note.GNU-stack, "", @progbits
