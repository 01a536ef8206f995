/*
 * Far transfers through descriptors in 32-bit protected mode (entered by
 * boot.S, which calls main): far calls to a conforming segment from ring 0
 * and ring 3 (CPL stays), a far jmp through a call gate, and from ring 3:
 * a 32-bit call gate to ring 0 with two parameters copied onto the ESP0
 * stack and a far return with imm16 to the outer ring (ES and FS, loaded
 * with ring-0 data in ring 0, come back null), a call gate and a data
 * segment in the LDT, a 16-bit call gate (16-bit frame, one word
 * parameter), and the faults of bad transfers with their error codes:
 * #GP(sel) for privilege and type, #NP(sel) for a segment or gate not
 * present, #TS(sel) for a bad SS0 in the TSS, #GP(0) for a null selector.
 * The fault handlers run through a conforming segment, in the ring that
 * faulted, and continue after the faulting instruction.  Each step prints
 * one line; main returns 0.
 */
#include "asm32.h"

	.text
	.globl main
main:
	MAIN_ENTER msg_start
	SEG(gdt + 0x28, tss, tss_end - tss - 1, 0x0089)	/* TSS */
	SEG(gdt + 0x58, ldt, ldt_end - ldt - 1, 0x0082)	/* LDT */
	SEG(ldt + 0x08, ldt_data, 0xfff, 0x40f2)	/* LDT 0x0c: ring-3 data, 4 KiB */
	SEG(gdt + 0x78, call16, 0xffff, 0x40fa)		/* ring 3 code, base call16 */
	SEG(gdt + 0x80, gate16, 0xffff, 0x409a)		/* ring 0 code, base gate16 */
	SEG(gdt + 0x88, stack16, 0xfff, 0x40f2)		/* ring 3 stack, base stack16, 4 KiB */
	GATE(gdt + 0x30, gate32, 0x08, 0xec02)		/* 32-bit, DPL 3, 2 parameters */
	GATE(gdt + 0x40, 0, 0x80, 0xe401)		/* 16-bit, DPL 3, 1 parameter -> 0x80:0 */
	GATE(gdt + 0x50, gate32, 0x08, 0x8c00)		/* DPL 0 */
	GATE(gdt + 0x60, gate32, 0x08, 0x6c00)		/* not present */
	GATE(gdt + 0x68, jmp_target, 0x08, 0xec00)	/* for far jmp: DPL 3 */
	GATE(gdt + 0x70, gate32, 0x10, 0xec00)		/* to a data segment */
	GATE(ldt + 0x10, gate_ldt, 0x08, 0xec00)	/* LDT 0x14: DPL 3 */
	/* IDT: #TS #NP #SS #GP through the conforming segment 0x38; int 0x80 to ring 0 */
	GATE(idt + 10 * 8, isr_ts, 0x38, 0x8e00)
	GATE(idt + 11 * 8, isr_np, 0x38, 0x8e00)
	GATE(idt + 12 * 8, isr_ss, 0x38, 0x8e00)
	GATE(idt + 13 * 8, isr_gp, 0x38, 0x8e00)
	GATE(idt + 0x80 * 8, isr_80, 0x08, 0xee00)
	TABLES_LOAD stack0_top
	mov $0x58, %ax
	lldt %ax
	sldt %eax
	SHOW(msg_ldt_sel, %eax)

	lcall $0x38, $conforming	/* ring 0 to a conforming DPL-0 segment */
	ljmp $0x68, $0			/* a call gate for a jmp: the gate's offset counts */
jmp_back:
	/* IOPL 3: the handlers print from ring 3 */
	IRET_TO_RING3 user, stack3_top, 0x3202

jmp_target:
	mov %cs, %eax
	SHOW(msg_jmp_gate, %eax)
	jmp jmp_back

/* Runs at the caller's CPL: CS.RPL shows it. */
conforming:
	mov %cs, %eax
	SHOW(msg_conforming, %eax)
	lret

user:
	mov $0x23, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %cs, %eax
	SHOW(msg_ring3, %eax)
	lcall $0x3b, $conforming	/* CPL 3 stays: CS = 0x3b */

	/* a call gate to ring 0 with two parameters */
	mov %esp, saved_esp
	push $0x11111111
	push $0x22222222
	lcall $0x33, $0
	cmp saved_esp, %esp		/* lret $8 dropped the parameters */
	jne fail
	mov %es, %eax
	SHOW(msg_es, %eax)
	mov %fs, %eax
	SHOW(msg_fs, %eax)
	mov %gs, %eax
	SHOW(msg_gs, %eax)
	mov $0x23, %ax
	mov %ax, %es

	/* the LDT: a data segment with its own base, and a call gate */
	mov $0x0f, %ax
	mov %ax, %fs
	SHOW(msg_ldt_data, %fs:0)
	lcall $0x17, $0
	mov %fs, %eax			/* a DPL-3 segment survives the return */
	SHOW(msg_fs, %eax)

	/* the 16-bit gate from a based code segment on a based stack */
	ljmp $0x7b, $0
call16_back:

	FAULT(ljmp $0x08, $0)		/* ring-0 code: #GP(0x08) */
	FAULT(lcall $0x53, $0)		/* a DPL-0 gate: #GP(0x50) */
	FAULT(ljmp $0x4b, $0)		/* code not present: #NP(0x48) */
	FAULT(lcall $0x63, $0)		/* gate not present: #NP(0x60) */
	FAULT(lcall $0x73, $0)		/* a gate to data: #GP(0x10) */
	FAULT(ljmp $0x6b, $0)		/* jmp through a gate to ring 0: #GP(0x08) */
	FAULT(lcall $0x23, $0)		/* a data segment: #GP(0x20) */
	FAULT(lcall $0x1fb, $0)		/* beyond the GDT limit: #GP(0x1f8) */
	FAULT(lcall $0x0f, $0)		/* LDT data: #GP(0x0c) */
	FAULT(lcall $3, $0)		/* null: #GP(0) */
	push $0x08
	push $fail
	FAULT(lret)			/* to an inner ring: #GP(0x08) */
	add $8, %esp
	movl $0x23, tss + 8		/* SS0 with RPL 3: #TS(0x20) */
	FAULT(lcall $0x33, $0)
	movl $0x18, tss + 8		/* SS0 a code segment: #TS(0x18) */
	FAULT(lcall $0x33, $0)
	movl $0x10, tss + 8
	mov $0x1b, %ax
	FAULT(mov %ax, %ss)		/* code as stack: #GP(0x18) */
	mov %ss, %eax
	SHOW(msg_ss, %eax)
	int $0x80

/* ring 0 from ring 3: the frame on the ESP0 stack, then back with lret $8 */
gate32:
	cmp $stack0_top - 24, %esp
	jne fail
	mov %ss, %eax
	SHOW(msg_gate_ss, %eax)
	SHOW(msg_gate_cs, 4(%esp))
	SHOW(msg_param0, 8(%esp))
	SHOW(msg_param1, 12(%esp))
	SHOW(msg_old_ss, 20(%esp))
	mov saved_esp, %eax
	sub $8, %eax
	cmp 16(%esp), %eax
	jne fail
	mov $0x10, %ax			/* ring-0 data in ES and FS: null after the return */
	mov %ax, %es
	mov %ax, %fs
	mov $0x23, %ax
	mov %ax, %gs
	lret $8

gate_ldt:
	mov %cs, %eax
	SHOW(msg_gate_ldt, %eax)
	lret

isr_80:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	MAIN_RETURN msg_done

fail:
	mov $0x23, %ax
	mov %ax, %ds
	push $msg_fail
	call ser_puts
	add $4, %esp
	push $1
	call guest_exit

/*
 * The 16-bit gate pushes 16-bit offsets: the caller (0x7b), its stack (0x8b)
 * and the gate's target (0x80) are segments with their own bases, so the
 * offsets are small.  Only relative jumps inside them, far jumps out.
 */
call16:
	mov %esp, saved_esp
	mov $0x8b, %ax
	mov %ax, %ss
	mov $0x800, %esp
	pushw $0xbeef
	lcall $0x43, $0
	cmp $0x800, %esp		/* lret $2 dropped the parameter */
	jne 1f
	mov %ss, %eax
	cmp $0x8b, %eax
	jne 1f
	mov $0x23, %ax
	mov %ax, %ss
	mov saved_esp, %esp
	ljmp $0x1b, $call16_back
1:	ljmp $0x1b, $fail

gate16:
	ljmp $0x08, $gate16_flat
gate16_flat:
	/* a 16-bit frame on the ESP0 stack: IP CS param SP SS, two bytes each */
	cmp $stack0_top - 10, %esp
	jne fail
	movzwl 4(%esp), %eax
	SHOW(msg_gate16, %eax)
	movzwl 6(%esp), %eax
	SHOW(msg_gate16_sp, %eax)
	movzwl 2(%esp), %eax
	SHOW(msg_gate_cs, %eax)
	movzwl 8(%esp), %eax
	SHOW(msg_old_ss, %eax)
	lretw $2

	.data
msg_start:	.asciz "gate: start\n"
msg_ldt_sel:	.asciz "ldtr="
msg_conforming:	.asciz "far call to a conforming segment: cs="
msg_jmp_gate:	.asciz "far jmp through a call gate: cs="
msg_ring3:	.asciz "ring 3: cs="
msg_gate_ss:	.asciz "call gate to ring 0: ss="
msg_gate_cs:	.asciz "caller cs="
msg_param0:	.asciz "param 0="
msg_param1:	.asciz "param 1="
msg_old_ss:	.asciz "caller ss="
msg_es:		.asciz "after lret $8 to ring 3: es="
msg_fs:		.asciz "fs="
msg_gs:		.asciz "gs="
msg_ldt_data:	.asciz "LDT data segment fs:0="
msg_gate_ldt:	.asciz "call gate in the LDT: cs="
msg_gate16:	.asciz "16-bit call gate: param="
msg_gate16_sp:	.asciz "16-bit frame: caller sp="
msg_ss:		.asciz "ss="
msg_done:	.asciz "gate: done\n"
msg_fail:	.asciz "gate: FAILED\n"
	.align 8
gdt:
	GDT_RINGS
	.quad 0				/* 0x28: TSS */
	.quad 0				/* 0x30: 32-bit call gate, DPL 3, 2 parameters */
	.quad 0x00cf9e000000ffff	/* 0x38: conforming code, DPL 0 */
	.quad 0				/* 0x40: 16-bit call gate, DPL 3 */
	.quad 0x00cf7a000000ffff	/* 0x48: ring 3 code, not present */
	.quad 0				/* 0x50: call gate, DPL 0 */
	.quad 0				/* 0x58: LDT */
	.quad 0				/* 0x60: call gate, not present */
	.quad 0				/* 0x68: call gate for far jmp */
	.quad 0				/* 0x70: call gate to a data segment */
	.quad 0				/* 0x78: ring 3 code, base call16 */
	.quad 0				/* 0x80: ring 0 code, base gate16 */
	.quad 0				/* 0x88: ring 3 data, base stack16 */
	GDT_END
	.align 8
ldt:
	.quad 0
	.quad 0				/* 0x0c: data, base ldt_data */
	.quad 0				/* 0x14: call gate */
ldt_end:
ldt_data:
	.long 0x4c445421

	.bss
	.align 4096
saved_esp:	.long 0
tss:		.space 0x68
tss_end:
	.align 16
		.space 4096
stack0_top:
		.space 4096
stack3_top:
stack16:	.space 4096

	.section .note.GNU-stack, "", @progbits
