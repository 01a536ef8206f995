/*
 * Entries for the pg_* guests: #UD, #GP and #PF call pg_fault(frame, vector),
 * which sees the error code and eip and may change where iret goes.
 * user_enter irets to the ring-3 probe (copied onto a user page); the probe
 * makes one access and comes back to ring 0 through int $0x80, which
 * returns from user_enter.
 */
	.text
	.globl pf_entry, gp_entry, ud_entry, user_enter, ring0_return
	.globl user_probe, user_probe_done, user_probe_end
ud_entry:
	pushl $0		/* #UD has no error code: the frame looks the same */
	pushal
	movl $6, %ecx
	jmp 1f
pf_entry:
	pushal
	movl $14, %ecx
	jmp 1f
gp_entry:
	pushal
	movl $13, %ecx
1:	cld
	leal 32(%esp), %eax	/* error code, then eip cs eflags [esp ss] */
	pushl %ecx
	pushl %eax
	call pg_fault
	addl $8, %esp
	popal
	addl $4, %esp
	iret

/* user_enter(kind, va, eflags, eip, esp): the probe at eip runs at CPL 3 */
user_enter:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, kernel_esp
	movl 20(%esp), %eax
	movl 24(%esp), %edx
	movl 28(%esp), %ebx
	movl 32(%esp), %esi
	movl 36(%esp), %ecx
	pushl $0x23
	pushl %ecx
	pushl %ebx
	pushl $0x1b
	pushl %esi
	iret

/* int $0x80 from ring 3 (on the TSS's ring-0 stack): back out of user_enter */
ring0_return:
	movl $0x10, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movl kernel_esp, %esp
	pushl $2		/* ring 3's AC must not stay on in ring 0 */
	popfl
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

/* The ring-3 probe: eax = kind (RD WR FX SEG IO INT STAC), edx = address, selector or port.
 * Position-independent: it runs from a copy. */
user_probe:
	movl $0x23, %ecx	/* iret to ring 3 left DS and ES unusable */
	movw %cx, %ds
	movw %cx, %es
	cmpl $1, %eax
	je 1f
	cmpl $2, %eax
	je 2f
	cmpl $3, %eax
	je 3f
	cmpl $4, %eax
	je 4f
	cmpl $5, %eax
	je 5f
	cmpl $6, %eax
	je 6f
	movb (%edx), %al
	jmp user_probe_done
1:	movb $0xc3, (%edx)
	jmp user_probe_done
2:	call *%edx
	jmp user_probe_done
3:	movw %dx, %fs
	jmp user_probe_done
4:	inb %dx, %al
	jmp user_probe_done
5:	int $0x81
	jmp user_probe_done
6:	stac
user_probe_done:
	int $0x80
user_probe_end:

	.bss
kernel_esp:
	.long 0

	.section .note.GNU-stack, "", @progbits
