/*
 * 16-bit TSSes and virtual-8086 mode (entered by boot.S, which calls main
 * in ring 0):
 * - a far call to a 286 TSS (task A): the low halves of its registers
 *   come from the 16-bit TSS, FS and GS are null, NT set, the link names
 *   the caller; A's iret goes back and saves its IP, FLAGS (NT clear) and
 *   registers as words; A again through a task gate, then by far jmp
 *   (NT clear, busy bits move) and back by far jmp; #TS(sel) for a 286
 *   TSS shorter than 0x2c bytes; #NP through an IDT task gate to a 286
 *   task, which finds its error code as a word on its stack;
 * - virtual-8086 mode entered by a far jmp to a 32-bit TSS whose EFLAGS
 *   has VM: the task runs at 0x800:IP and comes back through a DPL-3 task
 *   gate in the IDT (its saved EFLAGS keep VM);
 * - virtual-8086 mode entered by iret from ring 0, with paging on:
 *   segment arithmetic, rep movsb, the 0x66 and 0x67 prefixes, a far call
 *   and ret through another segment value, COM1 granted by the TSS I/O
 *   bitmap and port 0x61 denied (#GP(0)), a read of a supervisor page
 *   (#PF, a user access), cli, pushf, int n and hlt at IOPL 0 (#GP(0)),
 *   into and int3 through DPL-3 gates (not IOPL-sensitive; int3's handler
 *   raises IOPL to 3); then at IOPL 3 cli, pushf, sti, int n through
 *   gates to a conforming and to a ring-3 code segment (#GP(sel)), an
 *   int n whose ring-0 handler prints the frame (GS FS DS ES SS ESP
 *   EFLAGS CS EIP) and the null data segments it was given and irets
 *   back to virtual-8086 mode, a real-mode iret, and sysenter (allowed:
 *   VM cleared; back by iret); int $0x31 leaves for good.
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
	SEG(gdt + 0x48, tss_v86, 0x67, 0x0089)		/* a 32-bit TSS whose task is in v86 mode */
	SEG(gdt + 0x50, 0, 0xfffff, 0xc09e)		/* ring-0 conforming code */
	SEG(gdt + 0x58, tss16_a, 0x2a, 0x0081)		/* a 286 TSS one byte short */
	SEG(gdt + 0x60, tss16_c, 0x2b, 0x0081)		/* a 286 TSS for #NP */
	SEG(gdt + 0x68, 0, 0xfffff, 0xc012)		/* data, not present */
	GATE(idt + 11 * 8, 0, 0x60, 0x8500)		/* #NP -> task C */
	INTR(10, isr_ts)
	INTR(13, gp86)
	INTR(14, pf86)
	INTR(3, bp86)
	INTR(4, of86)
	INTR(0x30, int30)
	INTR(0x31, int31)
	GATE(idt + 0x32 * 8, 0, 0x28, 0xe500)		/* DPL 3 task gate -> main */
	GATE(idt + 0x33 * 8, int30, 0x50, 0xee00)	/* DPL 3, to conforming code */
	GATE(idt + 0x34 * 8, int30, 0x18, 0xee00)	/* DPL 3, to ring-3 code */
	orb $0x60, idt + 3 * 8 + 5			/* DPL 3: reachable by int3, into and int n */
	orb $0x60, idt + 4 * 8 + 5
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
	FAULT(ljmp $0x58, $0)		/* #TS(0x58) */
	mov $0x68, %ax
	mov %ax, %ds			/* #NP(0x68) through the task gate; C resumes main below */
np_resume:
	TYPE(0x60)
	SHOW(msg_type_c, %eax)

	/* 4: virtual-8086 mode by a task switch; back through a task gate */
	mov $v86_start, %esi
	mov $V86_BASE, %edi
	mov $v86_end - v86_start, %ecx
	rep movsb
	ljmp $0x48, $0
	str %eax
	SHOW(msg_main_tr, %eax)
	movzwl tss, %eax
	SHOW(msg_main_link, %eax)
	SHOW(msg_v86_eflags, tss_v86 + 0x24)
	SHOW(msg_v86_eip, tss_v86 + 0x20)
	SHOW(msg_v86_cs, tss_v86 + 0x4c)
	TYPE(0x48)
	SHOW(msg_type_v86, %eax)
	pushf
	andl $~0x4000, (%esp)		/* NT: the task gate nested main in the v86 task */
	popf

	/* 5: paging, with the page at 0xb000 for the supervisor only */
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	or $7, %eax
	mov %eax, pt0(, %ecx, 4)
	inc %ecx
	cmp $1024, %ecx
	jne 1b
	andl $~4, pt0 + 0xb * 4
	mov $pt0 + 7, %eax
	mov %eax, pd
	mov $pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0

	/* sysenter from virtual-8086 mode lands in sysenter86 */
	xor %edx, %edx
	mov $0x174, %ecx
	mov $0x08, %eax
	wrmsr
	inc %ecx
	mov $s_stack_top, %eax
	wrmsr
	inc %ecx
	mov $sysenter86, %eax
	wrmsr

	/* 6: virtual-8086 mode by iret */
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

/* Task C: a 286 TSS, entered by #NP; the error code is a word on its stack. */
c16_entry:
	xor %eax, %eax
	pop %ax
	SHOW(msg_c_err, %eax)
	movzwl %sp, %eax
	SHOW(msg_c_sp, %eax)
	movzwl tss16_c, %eax
	SHOW(msg_link, %eax)
	movl $np_resume, tss + 0x20
	iret
	jmp c16_entry

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

/* #PF from virtual-8086 mode: error code and CR2, resumed as #GP is */
pf86:
	pushal
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	SHOW(msg_pf, 32(%esp))
	mov %cr2, %eax
	SHOW(msg_cr2, %eax)
	movzwl V86_BASE + RESUME, %eax
	mov %eax, 36(%esp)
	popal
	add $4, %esp
	iret

/* into from virtual-8086 mode */
of86:
	pushal
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	SHOW(msg_of_ip, 32(%esp))
	popal
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

/* sysenter from virtual-8086 mode: VM is clear; back by iret, at IOPL 3 */
sysenter86:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	pushf
	pop %eax
	SHOW(msg_sysenter, %eax)
	push $0x800			/* gs */
	push $0x800			/* fs */
	push $0x800			/* ds */
	push $0x800			/* es */
	push $0x900			/* ss */
	push $0xfe0			/* esp */
	push $0x23002			/* eflags: VM, IOPL 3 */
	push $0x800			/* cs */
	push $OFF(after_sysenter)	/* eip */
	iret

/* int $0x31: what the virtual-8086 code stored, and back to boot.S */
int31:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	xor %ebx, %ebx
1:	movzwl V86_BASE + 0x600(, %ebx, 2), %eax
	push %eax
	push result_names(, %ebx, 4)
	call show
	add $8, %esp
	inc %ebx
	cmp $12, %ebx
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
	mov $0xb00, %ax
	mov %ax, %es
	mov %es:0, %ax
1:	movw $OFF(1f), RESUME
	cli
1:	movw $OFF(1f), RESUME
	pushf
1:	movw $OFF(1f), RESUME
	int $0x30
1:	movw $OFF(1f), RESUME
	hlt
1:	/* into and int3 go through their DPL-3 gates; int3's handler raises IOPL to 3 */
	mov $0x7f, %al
	add $1, %al
	into
	int3
	cli
	pushf
	pop %ax
	mov %ax, R(5)
	/* IF stays clear: QEMU's timer would interrupt through an empty IDT entry */
	sti
	cli
	movw $OFF(1f), RESUME
	int $0x33
1:	movw $OFF(1f), RESUME
	int $0x34
1:	mov $0x801, %ax
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
	sysenter
after_sysenter:
	int $0x31
v86_far:
	mov %cs, R(4)
	lret
/* the task 0x48 (IOPL 3): back to main through the task gate */
v86_task:
	mov %cs, R(10)
	pushf
	pop %ax
	mov %ax, R(11)
	int $0x32
v86_task_end:
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
msg_c_err:	.asciz "task C (#NP): error="
msg_c_sp:	.asciz "  sp="
msg_type_c:	.asciz "C's descriptor type="
msg_pf:		.asciz "#PF error="
msg_cr2:	.asciz "  cr2="
msg_of_ip:	.asciz "into: ip="
msg_sysenter:	.asciz "sysenter from v86: eflags="
msg_main_tr:	.asciz "main back from the v86 task: tr="
msg_main_link:	.asciz "  link="
msg_v86_eflags:	.asciz "  v86 task's saved eflags="
msg_v86_eip:	.asciz "  saved eip="
msg_v86_cs:	.asciz "  saved cs="
msg_type_v86:	.asciz "  v86 task's descriptor type="
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
r_tcs:		.asciz "v86 task: cs="
r_tfl:		.asciz "  flags="
msg_done:	.asciz "v86: done\n"
	.align 4
frame_names:	.long f_eip, f_cs, f_fl, f_esp, f_ss, f_es, f_ds, f_fs, f_gs
result_names:	.long r_seg, r_di, r_lo, r_hi, r_cs, r_fl, r_es, r_fs, r_sp, r_iret, r_tcs, r_tfl
seen:		.word 0, 0, 0, 0

	.align 8
gdt:
	GDT_RINGS
	.quad 0				/* 0x28: 32-bit TSS, main */
	.quad 0				/* 0x30: 286 TSS, task A */
	.quad 0				/* 0x38: task A's code */
	.quad 0				/* 0x40: task gate -> A */
	.quad 0				/* 0x48: 32-bit TSS, the v86 task */
	.quad 0				/* 0x50: ring-0 conforming code */
	.quad 0				/* 0x58: 286 TSS, too short */
	.quad 0				/* 0x60: 286 TSS, task C */
	.quad 0				/* 0x68: data, not present */
	GDT_END

/* 286 TSS: link, sp0 ss0 sp1 ss1 sp2 ss2, ip, flags, ax cx dx bx sp bp si di, es cs ss ds, ldt */
	.align 4
tss16_a:
	.word 0, 0, 0, 0, 0, 0, 0
	.word 0, 0x0002
	.word 0xa1, 0xc1, 0xd1, 0xb1, 0x7000, 0xbb, 0x51, 0xd1
	.word 0x10, 0x38, 0x10, 0x10, 0
tss16_c:
	.word 0, 0, 0, 0, 0, 0, 0
	.word c16_entry - a16_entry, 0x0002
	.word 0, 0, 0, 0, 0x6800, 0, 0, 0
	.word 0x10, 0x38, 0x10, 0x10, 0
	.align 4
tss:		.space 0x68 + 129
/* 32-bit TSS: link, esp0-ss2, cr3, eip, eflags (VM, IOPL 3), eax..edi, es cs ss ds fs gs, ldt */
	.align 4
tss_v86:
	.long 0, 0, 0, 0, 0, 0, 0, 0
	.long OFF(v86_task), 0x23002
	.long 0, 0, 0, 0, 0x800, 0, 0, 0
	.long 0x800, 0x800, 0x900, 0x800, 0x800, 0x800, 0
	.word 0, 0x68

	.bss
	.align 4096
pd:		.space 4096
pt0:		.space 4096
	.align 16
		.space 2048
k_stack_top:
		.space 1024
s_stack_top:

	.section .note.GNU-stack, "", @progbits
