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
	.text
	.globl main
main:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, kernel_esp
	push $msg_start
	call ser_puts
	add $4, %esp
	/* TSS at 0x28, LDT at 0x58 */
	mov $gdt + 0x28, %edi
	mov $tss, %eax
	mov $tss_end - tss - 1, %ecx
	mov $0x0089, %edx
	call mkseg
	mov $gdt + 0x58, %edi
	mov $ldt, %eax
	mov $ldt_end - ldt - 1, %ecx
	mov $0x0082, %edx
	call mkseg
	/* LDT 0x0c: ring-3 data whose base is ldt_data, 4 KiB */
	mov $ldt + 0x08, %edi
	mov $ldt_data, %eax
	mov $0xfff, %ecx
	mov $0x40f2, %edx
	call mkseg
	/* call gates: mkgate(desc %edi, offset %edx, selector %eax, attributes %ecx) */
	mov $gdt + 0x30, %edi		/* 32-bit, DPL 3, 2 parameters -> 0x08:gate32 */
	mov $gate32, %edx
	mov $0x08, %eax
	mov $0xec02, %ecx
	call mkgate
	mov $gdt + 0x78, %edi		/* ring 3 code, base call16 */
	mov $call16, %eax
	mov $0xffff, %ecx
	mov $0x40fa, %edx
	call mkseg
	mov $gdt + 0x80, %edi		/* ring 0 code, base gate16 */
	mov $gate16, %eax
	mov $0xffff, %ecx
	mov $0x409a, %edx
	call mkseg
	mov $gdt + 0x88, %edi		/* ring 3 stack, base stack16, 4 KiB */
	mov $stack16, %eax
	mov $0xfff, %ecx
	mov $0x40f2, %edx
	call mkseg
	mov $gdt + 0x40, %edi		/* 16-bit, DPL 3, 1 parameter -> 0x80:0 */
	xor %edx, %edx
	mov $0x80, %eax
	mov $0xe401, %ecx
	call mkgate
	mov $gdt + 0x50, %edi		/* DPL 0 */
	mov $gate32, %edx
	mov $0x08, %eax
	mov $0x8c00, %ecx
	call mkgate
	mov $gdt + 0x60, %edi		/* not present */
	mov $gate32, %edx
	mov $0x08, %eax
	mov $0x6c00, %ecx
	call mkgate
	mov $gdt + 0x68, %edi		/* for far jmp: DPL 3 -> 0x08:jmp_target */
	mov $jmp_target, %edx
	mov $0x08, %eax
	mov $0xec00, %ecx
	call mkgate
	mov $gdt + 0x70, %edi		/* to a data segment */
	mov $gate32, %edx
	mov $0x10, %eax
	mov $0xec00, %ecx
	call mkgate
	mov $ldt + 0x10, %edi		/* LDT 0x14: DPL 3 -> 0x08:gate_ldt */
	mov $gate_ldt, %edx
	mov $0x08, %eax
	mov $0xec00, %ecx
	call mkgate
	/* IDT: #TS #NP #SS #GP through the conforming segment 0x38; int 0x80 to ring 0 */
	mov $idt + 10 * 8, %edi
	mov $isr_ts, %edx
	mov $0x38, %eax
	mov $0x8e00, %ecx
	call mkgate
	mov $idt + 11 * 8, %edi
	mov $isr_np, %edx
	call mkgate
	mov $idt + 12 * 8, %edi
	mov $isr_ss, %edx
	call mkgate
	mov $idt + 13 * 8, %edi
	mov $isr_gp, %edx
	call mkgate
	mov $idt + 0x80 * 8, %edi
	mov $isr_80, %edx
	mov $0x08, %eax
	mov $0xee00, %ecx
	call mkgate
	lgdt gdt_desc
	lidt idt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ss
	movl $stack0_top, tss + 4	/* ESP0 */
	movl $0x10, tss + 8		/* SS0 */
	mov $0x28, %ax
	ltr %ax
	mov $0x58, %ax
	lldt %ax
	sldt %eax
	push %eax
	push $msg_ldt_sel
	call show
	add $8, %esp

	lcall $0x38, $conforming	/* ring 0 to a conforming DPL-0 segment */
	ljmp $0x68, $0			/* a call gate for a jmp: the gate's offset counts */
jmp_back:
	/* iret to ring 3 with IOPL 3: the handlers print from ring 3 */
	push $0x23
	push $stack3_top
	push $0x3202
	push $0x1b
	push $user
	iret

jmp_target:
	mov %cs, %eax
	push %eax
	push $msg_jmp_gate
	call show
	add $8, %esp
	jmp jmp_back

/* Runs at the caller's CPL: CS.RPL shows it. */
conforming:
	mov %cs, %eax
	push %eax
	push $msg_conforming
	call show
	add $8, %esp
	lret

/* expect the next fault to come back to label 1f */
#define FAULT(...) movl $1f, resume; __VA_ARGS__; 1:

user:
	mov $0x23, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %cs, %eax
	push %eax
	push $msg_ring3
	call show
	add $8, %esp
	lcall $0x3b, $conforming	/* CPL 3 stays: CS = 0x3b */

	/* a call gate to ring 0 with two parameters */
	mov %esp, saved_esp
	push $0x11111111
	push $0x22222222
	lcall $0x33, $0
	cmp saved_esp, %esp		/* lret $8 dropped the parameters */
	jne fail
	mov %es, %eax
	push %eax
	push $msg_es
	call show
	add $8, %esp
	mov %fs, %eax
	push %eax
	push $msg_fs
	call show
	add $8, %esp
	mov %gs, %eax
	push %eax
	push $msg_gs
	call show
	add $8, %esp
	mov $0x23, %ax
	mov %ax, %es

	/* the LDT: a data segment with its own base, and a call gate */
	mov $0x0f, %ax
	mov %ax, %fs
	push %fs:0
	push $msg_ldt_data
	call show
	add $8, %esp
	lcall $0x17, $0
	mov %fs, %eax			/* a DPL-3 segment survives the return */
	push %eax
	push $msg_fs
	call show
	add $8, %esp

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
	push %eax
	push $msg_ss
	call show
	add $8, %esp
	int $0x80

/* ring 0 from ring 3: the frame on the ESP0 stack, then back with lret $8 */
gate32:
	cmp $stack0_top - 24, %esp
	jne fail
	mov %ss, %eax
	push %eax
	push $msg_gate_ss
	call show
	add $8, %esp
	push 4(%esp)
	push $msg_gate_cs
	call show
	add $8, %esp
	push 8(%esp)
	push $msg_param0
	call show
	add $8, %esp
	push 12(%esp)
	push $msg_param1
	call show
	add $8, %esp
	push 20(%esp)
	push $msg_old_ss
	call show
	add $8, %esp
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
	push %eax
	push $msg_gate_ldt
	call show
	add $8, %esp
	lret

isr_80:
	mov kernel_esp, %esp
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	push $msg_done
	call ser_puts
	add $4, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	xor %eax, %eax
	ret

isr_ts:
	push $msg_ts
	jmp fault
isr_np:
	push $msg_np
	jmp fault
isr_ss:
	push $msg_ss_fault
	jmp fault
isr_gp:
	push $msg_gp
/* name, error, eip, cs, eflags: print, then resume after the faulting instruction */
fault:
	pushal
	push %ds
	push %es
	mov %esp, %ebp
	mov $0x23, %ax
	mov %ax, %ds
	mov %ax, %es
	push 44(%ebp)
	push 40(%ebp)
	call show
	add $8, %esp
	mov resume, %eax
	mov %eax, 48(%ebp)
	pop %es
	pop %ds
	popal
	add $8, %esp
	iret

/* show(msg, value): "msg0x%08x\n" */
show:
	push 4(%esp)
	call ser_puts
	add $4, %esp
	push 8(%esp)
	call put_hex
	add $4, %esp
	push $'\n'
	call ser_putc
	add $4, %esp
	ret

/* mkseg(desc %edi, base %eax, limit %ecx, access %dl, flags %dh) */
mkseg:
	mov %cx, (%edi)
	mov %ax, 2(%edi)
	shr $16, %eax
	mov %al, 4(%edi)
	mov %dl, 5(%edi)
	shr $16, %ecx
	and $0xf, %cl
	or %dh, %cl
	mov %cl, 6(%edi)
	mov %ah, 7(%edi)
	ret

/* mkgate(desc %edi, offset %edx, selector %ax, attributes and parameter count %cx) */
mkgate:
	push %edx
	mov %dx, (%edi)
	mov %ax, 2(%edi)
	mov %cx, 4(%edi)
	shr $16, %edx
	mov %dx, 6(%edi)
	pop %edx
	ret

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
	push %eax
	push $msg_gate16
	call show
	add $8, %esp
	movzwl 6(%esp), %eax
	push %eax
	push $msg_gate16_sp
	call show
	add $8, %esp
	movzwl 2(%esp), %eax
	push %eax
	push $msg_gate_cs
	call show
	add $8, %esp
	movzwl 8(%esp), %eax
	push %eax
	push $msg_old_ss
	call show
	add $8, %esp
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
msg_ts:		.asciz "#TS error="
msg_np:		.asciz "#NP error="
msg_ss_fault:	.asciz "#SS error="
msg_gp:		.asciz "#GP error="
msg_done:	.asciz "gate: done\n"
msg_fail:	.asciz "gate: FAILED\n"
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: ring 0 code */
	.quad 0x00cf92000000ffff	/* 0x10: ring 0 data */
	.quad 0x00cffa000000ffff	/* 0x18: ring 3 code */
	.quad 0x00cff2000000ffff	/* 0x20: ring 3 data */
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
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
idt_desc:
	.word 256 * 8 - 1
	.long idt
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
kernel_esp:	.long 0
saved_esp:	.long 0
resume:		.long 0
tss:		.space 0x68
tss_end:
	.align 8
idt:		.space 256 * 8
	.align 16
		.space 4096
stack0_top:
		.space 4096
stack3_top:
stack16:	.space 4096

	.section .note.GNU-stack, "", @progbits
