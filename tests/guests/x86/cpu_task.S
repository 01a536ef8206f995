/*
 * Hardware task switches between 32-bit TSSes (entered by boot.S, which
 * calls main in ring 0), with paging on and a CR3 per task:
 * - a far call to a TSS: task A runs with EFLAGS.NT set, its link field
 *   naming the caller, CR0.TS set, its registers from its TSS; iret goes
 *   back (the caller's registers come back from its TSS, A's saved EIP is
 *   the instruction after its iret), and A is entered again through a
 *   task gate in the GDT and through a task gate in the IDT (int $0x40);
 * - a far jmp to task B in ring 3 with its own LDT and a page directory
 *   that maps 0x800000 elsewhere; B jumps back through a DPL-3 task gate
 *   to the first task's TSS (NT stays clear, busy bits move with jmp);
 * - #GP(sel) for a call or jmp to a busy task, direct or through a gate,
 *   #NP(sel) for a TSS not present;
 * - #TS through a task gate: for a TSS limit below 0x67 (found before the
 *   switch: the handler's link names the task that tried) and for a task
 *   whose SS is a code segment (found after the switch: the link names
 *   the new task);
 * - #DF through a task gate (as operating systems handle it): a #GP whose
 *   gate is not present is #NP while delivering, and that is #DF; the
 *   handler task sees error code 0 on its stack and the faulting EIP in
 *   the interrupted task's TSS, repairs the IDT and irets.
 * Each step prints one line or a few; main returns 0.
 */
#include "asm32.h"
#define TYPE(sel) movzbl gdt + (sel) + 5, %eax; and $0xf, %eax

	.text
	.globl main
main:
	MAIN_ENTER msg_start
	SEG(gdt + 0x28, tss_main, 0x67, 0x0089)
	SEG(gdt + 0x30, tss_a, 0x67, 0x0089)
	SEG(gdt + 0x38, tss_b, 0x67, 0x0089)
	SEG(gdt + 0x50, tss_df, 0x67, 0x0089)
	SEG(gdt + 0x58, tss_ts, 0x67, 0x0089)
	SEG(gdt + 0x60, tss_bad, 0x67, 0x0089)
	SEG(gdt + 0x48, tss_short, 0x40, 0x0089)	/* too short for a 32-bit TSS */
	SEG(gdt + 0x70, tss_short, 0x67, 0x0009)	/* not present */
	SEG(gdt + 0x68, ldt_b, 0x0f, 0x0082)		/* task B's LDT */
	SEG(ldt_b + 8, ldt_data, 0xfff, 0x40f2)		/* LDT 0x0c: ring-3 data */

	/* task gates: a TSS selector, no offset */
	GATE(gdt + 0x40, 0, 0x30, 0x8500)	/* DPL 0 -> task A */
	GATE(gdt + 0x78, 0, 0x28, 0xe500)	/* DPL 3 -> the first task */
	GATE(idt + 8 * 8, 0, 0x50, 0x8500)	/* #DF */
	GATE(idt + 10 * 8, 0, 0x58, 0x8500)	/* #TS */
	GATE(idt + 0x40 * 8, 0, 0x30, 0x8500)	/* int $0x40 -> task A */
	/* interrupt gates for #NP and #GP: print and resume */
	INTR(11, isr_np)
	INTR(13, isr_gp)

	lgdt gdt_desc
	lidt idt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov $0x28, %ax
	ltr %ax
	str %eax
	SHOW(msg_tr, %eax)

	/* paging: 4 MiB pages; task B's directory maps 0x800000 to 0xc00000 */
	movl $0x4e49414d, 0x800000	/* "MAIN" */
	movl $0x4b534154, 0xc00000	/* "TASK" */
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $22, %eax
	or $0x87, %eax			/* present, writable, user, 4 MiB */
	mov %eax, pd_main(, %ecx, 4)
	mov %eax, pd_b(, %ecx, 4)
	inc %ecx
	cmp $4, %ecx
	jne 1b
	movl $0xc00087, pd_b + 2 * 4
	mov $pd_main, %eax
	mov %eax, tss_main + 0x1c
	mov %eax, tss_a + 0x1c
	mov %eax, tss_df + 0x1c
	mov %eax, tss_ts + 0x1c
	mov %eax, tss_bad + 0x1c
	movl $pd_b, tss_b + 0x1c
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x10, %eax			/* PSE */
	mov %eax, %cr4
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	SHOW(msg_main_800000, 0x800000)

	/* 1: a far call to task A and its iret back */
	mov $0x11111111, %esi
	mov $0x22222222, %edi
	clts
	lcall $0x30, $0
	SHOW(msg_back_esi, %esi)
	SHOW(msg_back_edi, %edi)
	call show_state
	TYPE(0x30)
	SHOW(msg_type_a, %eax)
	mov tss_a + 0x20, %eax
	sub $a_after_iret, %eax
	SHOW(msg_a_eip, %eax)

	/* 2: through a task gate in the GDT, 3: through a task gate in the IDT */
	clts
	lcall $0x40, $0
	call show_state
	clts
	int $0x40
	call show_state
	TYPE(0x30)
	SHOW(msg_type_a, %eax)

	/* 4: a far jmp to task B in ring 3; it jumps back through a DPL-3 gate */
	clts
	ljmp $0x38, $0
	call show_state
	SHOW(msg_main_800000, 0x800000)
	TYPE(0x38)
	SHOW(msg_type_b, %eax)
	sldt %eax
	SHOW(msg_ldtr, %eax)

	/* 5: busy and absent tasks */
	FAULT(lcall $0x28, $0)		/* itself: busy, #GP(0x28) */
	FAULT(ljmp $0x28, $0)
	FAULT(ljmp $0x78, $0)		/* a gate to a busy TSS: #GP(0x28) */
	FAULT(ljmp $0x70, $0)		/* not present: #NP(0x70) */
	FAULT(lcall $0x33, $0)		/* RPL 3 above the TSS's DPL 0: #GP(0x30) */

	/* 6: #TS before the switch (limit 0x40), then after it (SS is code) */
	FAULT(ljmp $0x48, $0)
	call show_state
	ljmp $0x60, $0
	call show_state
	TYPE(0x60)
	SHOW(msg_type_bad, %eax)

	/* 7: #DF: #GP delivered through a gate that is not present */
	andb $0x7f, idt + 13 * 8 + 5
	mov $0x1fb, %ax
df_insn:
	mov %ax, %ds
df_resume:
	call show_state
	TYPE(0x50)
	SHOW(msg_type_df, %eax)

	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	MAIN_RETURN msg_done

/* The current task as it sees itself: TR, EFLAGS.NT, CR0.TS, and this task's busy bit. */
show_state:
	str %eax
	SHOW(msg_tr, %eax)
	pushf
	pop %eax
	shr $14, %eax
	and $1, %eax
	SHOW(msg_nt, %eax)
	smsw %eax
	shr $3, %eax
	and $1, %eax
	SHOW(msg_ts, %eax)
	str %eax
	movzbl gdt + 5(%eax), %eax
	and $0xf, %eax
	SHOW(msg_type, %eax)
	ret

/* Task A (ring 0): entered by call, task gate and int; returns with iret. */
a_entry:
	SHOW(msg_a_eax, %eax)
	SHOW(msg_a_ebx, %ebx)
	SHOW(msg_a_ebp, %ebp)
	call show_state
	SHOW(msg_link, tss_a)
	SHOW(msg_main_esi, tss_main + 0x40)
	TYPE(0x28)
	SHOW(msg_type_main, %eax)
	mov $0xa1a1a1a1, %eax
	iret
a_after_iret:
	jmp a_entry

/* Task B (ring 3, IOPL 3): its LDT, its page directory, back through gate 0x78. */
b_entry:
	call show_state
	mov %cs, %eax
	SHOW(msg_cs, %eax)
	mov %ss, %eax
	SHOW(msg_ss, %eax)
	mov %fs, %eax
	SHOW(msg_fs, %eax)
	sldt %eax
	SHOW(msg_ldtr, %eax)
	SHOW(msg_ldt_data, %fs:0)
	SHOW(msg_b_800000, 0x800000)
	TYPE(0x28)
	SHOW(msg_type_main, %eax)
	ljmp $0x7b, $0
	jmp b_entry

/* #TS task: error code on its stack; back to the task that faulted, or to main. */
ts_entry:
	pop %ebx
	SHOW(msg_ts_err, %ebx)
	call show_state
	mov tss_ts, %ebx
	SHOW(msg_link, %ebx)
	cmp $0x28, %ebx
	jne 1f
	mov resume, %eax		/* before the switch: main retries after the ljmp */
	mov %eax, tss_main + 0x20
	iret
	jmp ts_entry
1:	TYPE(0x60)
	SHOW(msg_type_bad, %eax)
	/* the faulting task's saved EIP minus its entry, for test_x86_cpu.c:
	 * 0 as the SDM says; QEMU saves the EIP of the ljmp, so not printed */
	mov tss_bad + 0x20, %eax
	sub $a_entry, %eax
	mov %eax, 0x500
	andb $~2, gdt + 5(%ebx)		/* the faulting task cannot go on: not busy */
	ljmp $0x28, $0
	jmp ts_entry

/* #DF task: error code 0; the interrupted task's EIP is the faulting instruction. */
df_entry:
	pop %ebx
	SHOW(msg_df_err, %ebx)
	call show_state
	SHOW(msg_link, tss_df)
	mov tss_main + 0x20, %eax
	sub $df_insn, %eax
	SHOW(msg_df_eip, %eax)
	TYPE(0x28)
	SHOW(msg_type_main, %eax)
	orb $0x80, idt + 13 * 8 + 5
	movl $df_resume, tss_main + 0x20
	movl $0x10, tss_main + 0x54	/* DS as it was */
	iret
	jmp df_entry

	.data
msg_start:	.asciz "task: start\n"
msg_tr:		.asciz "tr="
msg_nt:		.asciz "  eflags.nt="
msg_ts:		.asciz "  cr0.ts="
msg_type:	.asciz "  own descriptor type="
msg_main_800000: .asciz "main: [0x800000]="
msg_back_esi:	.asciz "main after iret: esi="
msg_back_edi:	.asciz "main after iret: edi="
msg_type_a:	.asciz "task A descriptor type="
msg_type_b:	.asciz "task B descriptor type="
msg_type_main:	.asciz "  main descriptor type="
msg_type_bad:	.asciz "bad task descriptor type="
msg_type_df:	.asciz "#DF task descriptor type="
msg_a_eip:	.asciz "task A saved eip - a_after_iret="
msg_a_eax:	.asciz "task A: eax="
msg_a_ebx:	.asciz "  ebx="
msg_a_ebp:	.asciz "  ebp="
msg_link:	.asciz "  link="
msg_main_esi:	.asciz "  main's saved esi="
msg_cs:		.asciz "  cs="
msg_ss:		.asciz "  ss="
msg_fs:		.asciz "  fs="
msg_ldtr:	.asciz "  ldtr="
msg_ldt_data:	.asciz "  fs:0="
msg_b_800000:	.asciz "  [0x800000]="
msg_ts_err:	.asciz "#TS task: error="
msg_df_err:	.asciz "#DF task: error="
msg_df_eip:	.asciz "  saved eip - df_insn="
msg_done:	.asciz "task: done\n"

	.align 8
gdt:
	GDT_RINGS
	.quad 0				/* 0x28: TSS, the first task */
	.quad 0				/* 0x30: TSS, task A */
	.quad 0				/* 0x38: TSS, task B */
	.quad 0				/* 0x40: task gate -> A */
	.quad 0				/* 0x48: TSS with limit 0x40 */
	.quad 0				/* 0x50: TSS, #DF task */
	.quad 0				/* 0x58: TSS, #TS task */
	.quad 0				/* 0x60: TSS, a task whose SS is code */
	.quad 0				/* 0x68: LDT of task B */
	.quad 0				/* 0x70: TSS not present */
	.quad 0				/* 0x78: task gate, DPL 3 -> 0x28 */
	GDT_END
	.align 8
ldt_b:
	.quad 0
	.quad 0				/* 0x0c: ring-3 data at ldt_data */
ldt_data:
	.long 0x4c445442

/* 32-bit TSSes: link, esp0-ss2, cr3 (set by main), eip, eflags, eax..edi, es cs ss ds fs gs, ldt, iomap */
#define TSS(eip, fl, esp, cs, ss, ds, fs, ldt) \
	.long 0, 0, 0, 0, 0, 0, 0, 0, eip, fl; \
	.long 0xa0a0a0a0, 0xc0c0c0c0, 0xd0d0d0d0, 0xb0b0b0b0, esp, 0xbbbbbbbb, 0x51515151, 0xd1d1d1d1; \
	.long ds, cs, ss, ds, fs, 0, ldt; \
	.word 0, 0x68
	.align 4
tss_main:	.space 0x68
tss_a:		TSS(a_entry, 0x2, stack_a_top, 0x08, 0x10, 0x10, 0, 0)
tss_b:		TSS(b_entry, 0x3002, stack_b_top, 0x1b, 0x23, 0x23, 0x0f, 0x68)
tss_df:		TSS(df_entry, 0x2, stack_df_top, 0x08, 0x10, 0x10, 0, 0)
tss_ts:		TSS(ts_entry, 0x2, stack_ts_top, 0x08, 0x10, 0x10, 0, 0)
tss_bad:	TSS(a_entry, 0x2, stack_a_top, 0x08, 0x18, 0x10, 0, 0)
tss_short:	.space 0x68

	.bss
	.align 4096
pd_main:	.space 4096
pd_b:		.space 4096
	.align 16
		.space 2048
stack_a_top:
		.space 2048
stack_b_top:
		.space 2048
stack_df_top:
		.space 2048
stack_ts_top:

	.section .note.GNU-stack, "", @progbits
