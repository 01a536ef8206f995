/*
 * The x86 decoder: encodings (as GNU as emits them) -> the handler and the
 * operands it extracted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "arch/x86/exec.h"

#define M32 (MODE_OP32 | MODE_STK32 | MODE_PE)
#define M16 0u
#define IP 0x1000

static struct insn dec(uint32_t mode, const char *hex, int *ok)
{
	static struct fetcher f;
	static uint8_t bytes[32];
	struct insn i;
	unsigned n = 0;

	while (hex[0] && hex[1] && n < sizeof(bytes)) {
		unsigned b;

		if (hex[0] == ' ') {
			hex++;
			continue;
		}
		sscanf(hex, "%2x", &b);
		bytes[n++] = b;
		hex += 2;
	}
	memset(&f, 0, sizeof(f));
	f.p = bytes;
	f.avail = n;
	*ok = x86_decode(&f, mode, IP, &i) == 0 && !f.fail;
	return i;
}

#define DEC(mode, hex) ({ int ok_; struct insn d_ = dec(mode, hex, &ok_); CHECK(ok_, "%s decodes", hex); d_; })

int main(void)
{
	struct insn i;
	int ok;

	i = DEC(M32, "8b 44 24 08");	/* mov eax, [esp+8] */
	CHECK(i.fn == h_mov_r_rm && i.len == 4 && i.os == 4 && i.reg == RAX, "mov eax,[esp+8]: handler, length, size");
	CHECK(i.base == RSP && i.index == NOREG && i.disp == 8 && i.seg == SEG_SS, "[esp+8]: base esp, disp 8, ss");

	i = DEC(M32, "8b 04 8d 00 10 00 00");	/* mov eax, [ecx*4+0x1000] */
	CHECK(i.base == NOREG && i.index == RCX && i.scale == 2 && i.disp == 0x1000 && i.seg == SEG_DS,
	      "[ecx*4+0x1000]: no base, index ecx, scale 4, ds");

	i = DEC(M32, "8b 44 b5 f0");	/* mov eax, [ebp+esi*4-16] */
	CHECK(i.base == RBP && i.index == RSI && i.scale == 2 && i.disp == -16 && i.seg == SEG_SS,
	      "[ebp+esi*4-16]: ss default, negative disp8");

	i = DEC(M32, "66 8b 07");	/* mov ax, [edi] */
	CHECK(i.os == 2 && i.as == 4 && i.base == RDI, "66: 16-bit operand, 32-bit address");

	i = DEC(M32, "67 8b 07");	/* addr16 mov eax, [bx] */
	CHECK(i.os == 4 && i.as == 2 && i.base == RBX && i.index == NOREG, "67: 16-bit addressing [bx]");

	i = DEC(M32, "26 8b 00");	/* mov eax, es:[eax] */
	CHECK(i.seg == SEG_ES, "26: es override");

	i = DEC(M32, "81 c3 78 56 34 12");	/* add ebx, 0x12345678 */
	CHECK(i.fn == h_alu_rm_i && i.op == 0 && i.mod == 3 && i.rm == RBX && i.imm == 0x12345678,
	      "add ebx, imm32");

	i = DEC(M32, "83 e8 ff");	/* sub eax, -1 */
	CHECK(i.fn == h_alu_rm_i && i.op == 5 && (uint32_t)i.imm == 0xffffffff, "sub eax, imm8 sign-extended");

	i = DEC(M32, "01 d8");		/* add eax, ebx */
	CHECK(i.fn == h_alu_r32_r32 && i.rmoff == RAX * 8 && i.roff == RBX * 8, "add eax, ebx: fast form, dst eax");

	i = DEC(M32, "03 c3");		/* add eax, ebx (other direction) */
	CHECK(i.fn == h_alu_r32_r32 && i.rmoff == RAX * 8 && i.roff == RBX * 8, "add eax, ebx via 03: same operands");

	i = DEC(M32, "88 e0");		/* mov al, ah */
	CHECK(i.fn == h_mov_rm_r && i.os == 1 && i.rmoff == 0 && i.roff == 1, "mov al, ah: byte offsets 0 and 1");

	i = DEC(M32, "e8 fb ff ff ff");	/* call to itself */
	CHECK(i.fn == h_call && i.imm == IP && i.next == IP + 5, "call rel32: target precomputed");

	i = DEC(M32, "75 fe");		/* jne to itself */
	CHECK(i.fn == h_jcc && i.op == 5 && i.imm == IP, "jne rel8: condition 5, target");

	i = DEC(M32, "0f 84 00 01 00 00");	/* je +0x100 */
	CHECK(i.fn == h_jcc && i.op == 4 && i.imm == IP + 6 + 0x100, "je rel32");

	i = DEC(M32, "0f b6 c3");	/* movzx eax, bl */
	CHECK(i.fn == h_movzx && i.op == 1 && i.os == 4 && i.rmoff == RBX * 8, "movzx eax, bl");

	i = DEC(M32, "0f bf 46 02");	/* movsx eax, word [esi+2] */
	CHECK(i.fn == h_movsx && i.op == 2 && i.base == RSI && i.disp == 2, "movsx eax, word [esi+2]");

	i = DEC(M32, "f3 a5");		/* rep movsd */
	CHECK(i.fn == h_movs && i.rep == REP_E && i.op == 4, "rep movsd");

	i = DEC(M32, "f2 ae");		/* repne scasb */
	CHECK(i.fn == h_scas && i.rep == REP_NE && i.op == 1, "repne scasb");

	i = DEC(M32, "c7 05 00 00 20 00 01 00 00 00");	/* mov dword [0x200000], 1 */
	CHECK(i.fn == h_mov_rm_i && i.base == NOREG && i.disp == 0x200000 && i.imm == 1 && i.len == 10,
	      "mov [disp32], imm32");

	i = DEC(M32, "c1 e0 04");	/* shl eax, 4 */
	CHECK(i.fn == h_shift && i.op == 4 && i.imm == 4, "shl eax, 4");

	i = DEC(M32, "d3 f8");		/* sar eax, cl */
	CHECK(i.fn == h_shift && i.op == 7 && i.imm == 0xff, "sar eax, cl");

	i = DEC(M32, "0f a4 d8 05");	/* shld eax, ebx, 5 */
	CHECK(i.fn == h_shld && i.imm == 5 && i.rm == RAX && i.reg == RBX, "shld eax, ebx, 5");

	i = DEC(M32, "ea 00 00 10 00 08 00");	/* ljmp 0x08:0x100000 */
	CHECK(i.fn == h_jmp_far && i.imm == 0x100000 && i.imm2 == 8, "ljmp ptr16:32");

	i = DEC(M32, "0f 22 c0");	/* mov cr0, eax */
	CHECK(i.fn == h_mov_cr_r && i.reg == 0 && i.rmoff == RAX * 8, "mov cr0, eax");

	i = DEC(M32, "0f 20 d8");	/* mov eax, cr3 */
	CHECK(i.fn == h_mov_r_cr && i.reg == 3, "mov eax, cr3");

	i = DEC(M32, "8e d8");		/* mov ds, eax */
	CHECK(i.fn == h_mov_sreg_rm && i.reg == SEG_DS, "mov ds, ax");

	i = DEC(M32, "e4 60");		/* in al, 0x60 */
	CHECK(i.fn == h_in && i.os == 1 && i.imm == 0x60, "in al, imm8");

	i = DEC(M32, "66 ef");		/* out dx, ax */
	CHECK(i.fn == h_out && i.os == 2 && i.imm == 0x10000, "out dx, ax");

	i = DEC(M32, "0f 0b");
	CHECK(i.fn == h_ud, "ud2 raises #UD");

	i = DEC(M32, "ff ff");		/* ff /7 is undefined */
	CHECK(i.fn == h_ud, "ff /7 raises #UD");

	i = DEC(M32, "d8 c1");		/* fadd: #NM under CR0.EM/TS, else not implemented */
	CHECK(i.fn == h_x87, "x87 goes to the handler that raises #NM or ends the run");

	i = DEC(M32, "f0 90");
	CHECK(i.fn == h_ud, "lock nop raises #UD");
	i = DEC(M32, "f0 83 00 01");
	CHECK(i.fn == h_alu_rm_i, "lock add $1, (eax) is allowed");
	i = DEC(M32, "f0 01 c0");
	CHECK(i.fn == h_ud, "lock add to a register raises #UD");
	i = DEC(M32, "f0 83 38 01");
	CHECK(i.fn == h_ud, "lock cmp raises #UD");

	i = DEC(M32, "f1");
	CHECK(i.fn == h_icebp && i.len == 1, "f1: icebp");
	i = DEC(M32, "0f 01 c1");
	CHECK(i.fn == h_vmcall, "vmcall");
	i = DEC(M32, "0f 01 d9");
	CHECK(i.fn == h_vmcall, "vmmcall");
	i = DEC(M32, "0f 01 fd");
	CHECK(i.fn == h_ud, "rdpru raises #UD (not advertised)");
	i = DEC(M32, "66 0f 38 82 08");
	CHECK(i.fn == h_invpcid && i.reg == RCX && i.len == 5, "invpcid (eax), ecx");
	i = DEC(M32, "0f ae 38");
	CHECK(i.fn == h_clflush && i.reg == 7, "clflush (eax)");
	i = DEC(M32, "66 0f ae 30");
	CHECK(i.fn == h_clflush && i.reg == 6 && i.p66, "clwb (eax)");
	i = DEC(M32, "0f ae f0");
	CHECK(i.fn == h_nop, "mfence");
	i = DEC(M32, "0f ae 00");
	CHECK(i.fn == h_unimpl, "fxsave ends the run as not implemented");

	i = DEC(M32, "0f 1f 44 00 00");	/* nopl */
	CHECK(i.fn == h_nop && i.len == 5, "5-byte nop");

	i = DEC(M16, "8b 46 fc");	/* 16-bit: mov ax, [bp-4] */
	CHECK(i.os == 2 && i.as == 2 && i.base == RBP && i.disp == -4 && i.seg == SEG_SS,
	      "real mode: mov ax,[bp-4] with ss default");

	i = DEC(M16, "8b 40 02");	/* 16-bit: mov ax, [bx+si+2] */
	CHECK(i.base == RBX && i.index == RSI && i.disp == 2 && i.seg == SEG_DS, "real mode: [bx+si+2]");

	i = DEC(M16, "66 b8 78 56 34 12");	/* 16-bit: mov eax, 0x12345678 */
	CHECK(i.fn == h_mov_r_i && i.os == 4 && i.imm == 0x12345678 && i.len == 6, "real mode: 66 mov eax, imm32");

	i = DEC(M16, "eb fe");
	CHECK(i.fn == h_jmp && i.imm == IP && i.next == IP + 2, "real mode: jmp short to itself");

	i = dec(M32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", &ok);
	CHECK(ok && i.fn == h_gp && i.len == 15, "more than 15 bytes raises #GP");

	i = dec(M32, "8b 84 24", &ok);
	CHECK(!ok, "a truncated instruction reports missing bytes");

	return check_done();
}
