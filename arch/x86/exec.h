/*
 * Instruction handlers.  All share one signature: they read what the
 * decoder extracted from the insn and return 0 to fall through to the next
 * instruction, or 1 after setting rip themselves (a branch, or anything that
 * must end the block), or 2 to end the run with c->result.  Faults and exits
 * leave by longjmp without retiring the instruction.  Near branches return
 * INSN_BRANCH instead of 1, the sentinel after a block's last instruction
 * BLOCK_END (block.c): the run loop then skips its between-blocks checks
 * (interrupt shadow, events, TF/RF, debug registers), so an instruction
 * that may change any of those must end its block and return 1.
 */
#ifndef X86_EXEC_H
#define X86_EXEC_H

#include "cpu.h"

#define H(name) int name(struct x86_cpu *c, const struct insn *i)

H(h_block_end);

/* exec_alu.c: op = 0 add 1 or 2 adc 3 sbb 4 and 5 sub 6 xor 7 cmp */
H(h_alu_rm_r); H(h_alu_r_rm); H(h_alu_rm_i);
H(h_alu_r32_r32);
H(h_test_rm_r); H(h_test_rm_i);
H(h_inc); H(h_dec); H(h_not); H(h_neg);
H(h_mul); H(h_imul1); H(h_div); H(h_idiv); H(h_imul_r_rm); H(h_imul_r_rm_i);
H(h_cbw); H(h_cwd); H(h_xadd); H(h_cmpxchg); H(h_bswap);
H(h_cmpxchg8b);		/* cmpxchg16b with REX.W */

/* exec_shift.c: op = 0 rol 1 ror 2 rcl 3 rcr 4 shl 5 shr 6 sal 7 sar; imm = count or 0xff for cl */
H(h_shift); H(h_shld); H(h_shrd);

/* exec_bit.c; x86_v86_iopl: in virtual-8086 mode below IOPL 3, #GP(0) (pushf, popf, int n, iret) */
void x86_v86_iopl(struct x86_cpu *c);
H(h_bt_r); H(h_bt_i); H(h_bsf); H(h_bsr); H(h_setcc); H(h_cmovcc);
H(h_popcnt); H(h_tzcnt); H(h_lzcnt);
H(h_lahf); H(h_sahf); H(h_clc); H(h_stc); H(h_cmc); H(h_cld); H(h_std); H(h_cli); H(h_sti);
H(h_clac_stac);		/* rm & 7: 2 clac, 3 stac */

/* exec_mov.c */
H(h_mov_rm_r); H(h_mov_r_rm); H(h_mov_rm_i); H(h_mov_r_i); H(h_mov_r32_r32);
H(h_mov_a_moffs); H(h_mov_moffs_a);
H(h_movzx); H(h_movsx); H(h_lea); H(h_xchg); H(h_nop); H(h_xlat);
H(h_mov_rm_sreg); H(h_mov_sreg_rm);
H(h_push_r); H(h_pop_r); H(h_push_i); H(h_push_rm); H(h_pop_rm);
H(h_push_sreg); H(h_pop_sreg); H(h_pusha); H(h_popa); H(h_pushf); H(h_popf);
H(h_leave); H(h_enter); H(h_lfar);

/* exec_string.c: op = element size */
H(h_movs); H(h_cmps); H(h_stos); H(h_lods); H(h_scas); H(h_ins); H(h_outs);

/* exec_branch.c */
H(h_jcc); H(h_jmp); H(h_jmp_rm); H(h_call); H(h_call_rm); H(h_ret); H(h_retf);
H(h_loop); H(h_jcxz); H(h_jmp_far); H(h_jmp_far_m); H(h_call_far); H(h_call_far_m);
H(h_int); H(h_int3); H(h_into); H(h_iret);

/* far.c: far jmp, call and ret/iret in protected and long mode (descriptors, call gates) */
void far_jmp(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off);
void far_call(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off);
void far_return(struct x86_cpu *c, const struct insn *i, unsigned imm, int iret);

/* exec_sys.c; x86_io_check: IOPL, then the TSS I/O permission bitmap (#GP(0)) */
void x86_io_check(struct x86_cpu *c, uint16_t port, unsigned size);
H(h_in); H(h_out); H(h_hlt); H(h_lgdt); H(h_sgdt); H(h_smsw); H(h_lmsw); H(h_invlpg);
H(h_mov_r_cr); H(h_mov_cr_r); H(h_clts); H(h_cpuid); H(h_rdtsc);
H(h_mov_r_dr); H(h_mov_dr_r); H(h_rdtscp);
H(h_ud); H(h_gp); H(h_unimpl);
H(h_x87); H(h_fwait); H(h_invd); H(h_vmcall); H(h_invpcid); H(h_xgetbv_xsetbv); H(h_rdpmc); H(h_clflush); H(h_monitor_mwait); H(h_icebp);

/* exec_priv.c: fast system calls, swapgs, LDT and task register, verr/verw */
H(h_syscall); H(h_sysret); H(h_sysenter); H(h_sysexit); H(h_swapgs);
H(h_sldt_str); H(h_lldt_ltr); H(h_verr_verw);

/* msr.c */
H(h_rdmsr); H(h_wrmsr);

/* The fast forms fast.c picks (exec_alu.c, exec_shift.c, exec_mov.c, exec_branch.c). */
#define HW(name) H(name##_r32_r32); H(name##_r64_r64); H(name##_r32_i); H(name##_r64_i)
HW(h_add); HW(h_sub); HW(h_cmp); HW(h_and); HW(h_or); HW(h_xor); HW(h_test);
#undef HW
H(h_inc_r32); H(h_dec_r32); H(h_inc_r64); H(h_dec_r64);
H(h_imul_r32_r32_i); H(h_imul_r64_r64_i);
H(h_shl_r32_i); H(h_shr_r32_i); H(h_sar_r32_i); H(h_rol_r32_i); H(h_ror_r32_i);
H(h_shl_r64_i); H(h_shr_r64_i); H(h_sar_r64_i); H(h_rol_r64_i); H(h_ror_r64_i);
H(h_mov_r32_m); H(h_mov_m_r32); H(h_mov_r32_i); H(h_lea_r32); H(h_push_r32); H(h_pop_r32);
H(h_mov_r64_m); H(h_mov_m_r64); H(h_mov_r64_i); H(h_lea_r64); H(h_push_r64); H(h_pop_r64);
H(h_mov_r64_r64);
H(h_jz); H(h_jnz); H(h_jb); H(h_jae); H(h_jbe); H(h_ja); H(h_jl); H(h_jge); H(h_jle); H(h_jg);
H(h_call32); H(h_ret32); H(h_call64); H(h_ret64);

#undef H

#endif
