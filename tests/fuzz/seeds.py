#!/usr/bin/env python3
# Writes the hand-made seed inputs of tests/fuzz/regress/ (make check replays
# them; make fuzz starts from them).  The input formats are described at the
# top of fuzz_cpu.c and fuzz_files.c; FUZZ_LIST=1 on a fuzz_files binary
# prints the op numbers used below.  Run from the top of the tree.
import os, struct

def be(*ins):
    return b''.join(struct.pack('>I', i) for i in ins)

# ---- fuzz_cpu: config byte, 192 seed bytes, code ----
SEED = 192
out = 'tests/fuzz/regress/fuzz_cpu'

def seed(words={}):
    s = bytearray(SEED)
    for off, val in words.items():
        s[off:off + 4] = struct.pack('<I', val & 0xffffffff)
    return bytes(s)

def w(name, cfg, sd, code):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(bytes([cfg]) + sd + code)

# x86 code: a loop, an out, an in, hlt
x86_loop=bytes.fromhex('b801000000 40 75fd 90 f4'.replace(' ',''))
x86_io=bytes.fromhex('b041 e6f8 e4f9 8b0500400400 f4'.replace(' ',''))  # mov al,0x41; out 0xf8,al; in al,0xf9; mov eax,[0x44000]; hlt
x86_rep=bytes.fromhex('b9ff000000 bf00000400 f3aa f4'.replace(' ',''))
x86_pf=bytes.fromhex('c70500f0ffff01000000 0f01f8 cd80 0f05 0f34 f4'.replace(' ',''))
modes={'real':0,'prot':1,'pg2':2,'pae':3,'long':4,'compat':5,'prot16':6,'pse':7}
for m,v in modes.items():
    w('seed-x86-%s-loop'%m, v<<1, seed(), x86_loop)
    w('seed-x86-%s-io'%m, (v<<1)|0x80, seed(words={188:0x5a}), x86_io)
w('seed-x86-rep', 1<<1, seed(), x86_rep)
for m in ('prot','pae','long','compat','pg2'):
    w('seed-x86-%s-ring3'%m, (modes[m]<<1)|0x10|0x80, seed(words={92:0xffff,96:0xff00,100:0xf0f0,112:0x0f0f}), x86_io)
    w('seed-x86-%s-ring3-pf'%m, (modes[m]<<1)|0x10, seed(words={92:0xffff,96:0xff00,104:0x01020304}), x86_pf)
# debug registers: db0 on the loop's inc, dr7 enabling it; a watchpoint on 0x44000
w('seed-x86-debugregs', (modes['prot']<<1)|0x20, seed(words={72:0x1005,76:0x44000,88:0x00d0000f}), x86_loop+x86_io)
w('seed-x86-debug-on', (modes['long']<<1)|0x20|0x40, seed(words={72:0x1005,76:0x44000,88:0x00d0000f,64:0x100}), x86_loop)
w('seed-x86-inject', (modes['prot']<<1), seed(words={128:0x5,129:0}), x86_loop)
# ppc: a loop, sc, a load from unmapped space, mtspr/mfspr
def be(*ins): return b''.join(struct.pack('>I',i) for i in ins)
ppc_loop=be(0x38600001,0x38630001,0x48000000|(-4&0x3fffffc))
ppc_sc=be(0x44000002,0x7c0004ac)
ppc_mmio=be(0x3c80e000,0x80640000,0x90640004,0x7c0004ac)  # lis r4,0xe000; lwz r3,0(r4); stw r3,4(r4); sync
ppc_osi=be(0x3c601137,0x606324fa,0x3c807781,0x60840f9b,0x44000002,0x3d60abcd,0x44000002)
ppc_magic=be(0x8080f058,0x9080f020,0x7c0004ac)  # lwz r4,-4008(0) (the MSR in the magic page at -4096); stw r4,-4064(0); sync
w('seed-ppc-loop',1,seed(),ppc_loop)
w('seed-ppc-sc',1,seed(),ppc_sc)
w('seed-ppc-user',1|2,seed(),ppc_loop+ppc_sc)
w('seed-ppc-tlb',1|4|0x80,seed(words={132:0x10000000,136:0x00003101,140:0xe0000000,144:0x0000f805}),ppc_mmio)
w('seed-ppc-pv',1|8,seed(words={128:0x8000}),ppc_magic+ppc_loop)
w('seed-ppc-pv-user',1|8|2,seed(),ppc_magic+ppc_sc)
w('seed-ppc-debug',1|0x10,seed(words={164:0x40000000|0x00800000|0x00080000,168:0x8,172:0x4}),ppc_loop)
w('seed-ppc-osi',1|0x20|0x80,seed(),ppc_osi)
w('seed-ppc-timers',1|0x40,seed(words={128:0x8000,184:0x04400000,188:0x10}),ppc_loop)

# ---- fuzz_files: arch byte, then records ----
out = 'tests/fuzz/regress/fuzz_files'
X=dict(step=0,read=1,root=2,ctl=3,memslots=4,mem=5,console=6,cctl=7,exit=8,regs=9,sregs=10,events=11,debugregs=12,msrs=13,cpuid=14,tlb=15,mmu=16,translate=17,vregs=18,vsregs=19)
P=dict(step=0,read=1,root=2,ctl=3,memslots=4,mem=5,console=6,cctl=7,exit=8,regs=9,sregs=10,events=11,tlb=12,vregs=13)
def rec(t,op,arg=None,cpu=0):
    o=t[op]|(0x80 if cpu else 0)
    if op=='step': return bytes([o,arg])
    if op=='read': return bytes([o])
    if op=='mem':
        gpa,data=arg
        return bytes([o])+struct.pack('<I',gpa)[:3]+bytes([len(data)])+data
    return bytes([o])+arg.encode()+b'\0'
def w(name,arch,recs):
    t=X if arch==0 else P
    open(os.path.join(out,name),'wb').write(bytes([arch])+b''.join(rec(t,*r) for r in recs))
x86_io=bytes.fromhex('b041e6f8e4f98b0500400400f4')
x86_loop=bytes.fromhex('b80100000040' '75fd' '90f4')
x86_cpuid=bytes.fromhex('b801000000' '0fa2' 'f4')
real="cs.sel=0 cs.base=0"
w('seed-x86-memslot',0,[('memslots','slot=1 gpa=0x200000 size=64K flags=dirty_log'),('read',),('memslots','slot=1 gpa=0x300000'),('memslots','slot=1 size=0'),('read',)])
w('seed-x86-memslot-bad',0,[('memslots','slot=2 gpa=0x0 size=0x2000'),('memslots','slot=3 gpa=0xfffffffffffff000 size=0x2000'),('memslots','slot=1 gpa=1G size=16E'),('memslots','slot=0 size=0'),('read',)])
w('seed-x86-io',0,[('mem',(0x1000,x86_io)),('sregs',real),('regs','rip=0x1000 rsp=0x8000'),('step',4),('step',4),('read',),('exit','data=0x41'),('step',4),('exit','data=0x4142')])
w('seed-x86-debug',0,[('ctl','debug on'),('mem',(0x1000,x86_loop)),('sregs',real),('regs','rip=0x1000'),('debugregs','db0=0x1005 dr7=0x3'),('step',10),('read',),('ctl','debug off'),('step',1),('read',)])
w('seed-x86-watch',0,[('mem',(0x1000,x86_io)),('sregs',real),('regs','rip=0x1000'),('debugregs','db1=0x44000 dr7=0xd0000c'),('step',10),('read',)])
w('seed-x86-cpuid',0,[('cpuid','leaf=1 eax=0x123 ecx=0'),('cpuid','leaf=0x40000000 sub=1 ebx=7'),('mem',(0x1000,x86_cpuid)),('sregs',real),('regs','rip=0x1000'),('step',1),('cpuid','leaf=2'),('read',)])
w('seed-x86-paging',0,[('mem',(0x20000,struct.pack('<I',0x21007))),('mem',(0x21000,b''.join(struct.pack('<I',(i<<12)|7) for i in range(48)))),('mem',(0x1000,x86_io)),
   ('sregs','cr0=0x80000011 cr3=0x20000 cs.sel=8 cs.base=0 cs.limit=0xffffffff cs.type=11 cs.s=1 cs.p=1 cs.db=1 cs.g=1'),('regs','rip=0x1000 rsp=0x9000'),
   ('translate','gva=0x1000 access=w user=1'),('read',),('step',2),('tlb','invlpg 0x1000'),('read',),('tlb','flush'),('mmu','limit=8'),('translate','gva=0x800000'),('read',)])
w('seed-x86-events',0,[('events','exception.injected=1 exception.nr=13 exception.has_error_code=1 exception.error_code=0x10'),('read',),('step',1),('events','nmi.pending=1 interrupt.injected=1 interrupt.nr=32'),('step',1),('read',)])
w('seed-x86-msrs',0,[('msrs','tsc=0 star=0x0023001000000000 lstar=0x1000 sysenter_cs=8 efer=0x1'),('read',),('msrs','efer=0x400'),('msrs','tsc_aux=0x100000000')])
w('seed-x86-root',0,[('root','create g arch=ppc440 mem=16M cpus=2'),('root','create h mem=1G'),('read',),('root','destroy g'),('root','destroy nosuch'),('root','destroy f'),('read',)])
w('seed-x86-ctl',0,[('console','hello\n'),('ctl','irq 4 1'),('ctl','start'),('ctl','stop'),('ctl','stop 1'),('ctl','reset'),('ctl','enable-cap osi'),('ctl','load /nonexistent'),('ctl','bogus verb'),('read',)])
w('seed-x86-cpu1',0,[('regs','rax=1 rip=0x1000',1),('step',3,1),('cctl','step 5',1),('cctl','run'),('cctl','stop'),('read',)])
w('seed-x86-alias',0,[('vregs','rax=0x1 rip=0x100000'),('vsregs','cs.base=0'),('regs','rax=0x1ffffffffffffffff'),('read',)])
w('seed-x86-exit',0,[('exit','data=0x41')])
ppc_mmio=b''.join(struct.pack('>I',i) for i in (0x3c80e000,0x80640000,0x90640004,0x44000002))
ppc_osi=b''.join(struct.pack('>I',i) for i in (0x3c601137,0x606324fa,0x3c807781,0x60840f9b,0x44000002,0x3d60abcd,0x44000002))
ppc_loop=b''.join(struct.pack('>I',i) for i in (0x38600001,0x38630001,0x4bfffffc))
w('seed-ppc-tlb',1,[('tlb','index=0 valid=1 epn=0 rpn=0 size=256M sx=1 sw=1 sr=1 ux=1 ur=1'),('tlb','index=1 valid=1 epn=0xe0000000 rpn=0xe0000000 size=256M sr=1 sw=1 i=1 g=1'),
   ('mem',(0x1000,ppc_mmio)),('regs','pc=0x1000'),('step',2),('exit','data=0x12345678'),('step',2),('read',),('tlb','index=5 valid=1 epn=0x10000000 size=4K rpn=0x2000 tid=3 ts=1'),('tlb','index=64'),('read',)])
w('seed-ppc-osi',1,[('ctl','enable-cap osi'),('ctl','enable-cap hcall-exit'),('tlb','index=0 valid=1 epn=0 rpn=0 size=256M sx=1 sw=1 sr=1'),('mem',(0x1000,ppc_osi)),('regs','pc=0x1000'),('step',2),('exit','gpr3=1 gpr31=2'),('step',2),('exit','ret=3 out0=1 out7=2'),('step',1),('read',)])
w('seed-ppc-debug',1,[('tlb','index=0 valid=1 epn=0 rpn=0 size=256M sx=1 sw=1 sr=1'),('mem',(0x1000,ppc_loop)),('regs','pc=0x1000 msr=0x200'),('sregs','dbcr0=0x40800000 iac1=0x1004 ivpr=0 ivor15=0x1000'),('step',4),('read',),('sregs','dbcr0=0x40000000 dbcr2=0 dac1=0x2000 dbcr0=0x400f0000'),('step',4)])
w('seed-ppc-events',1,[('events','external=1 critical=1'),('regs','msr=0x28000'),('step',1),('events','machine_check=1'),('ctl','irq 0 1'),('console','x'),('read',),('sregs','tcr=0x04400000 dec=5 decar=5'),('step',2),('read',)])
w('seed-ppc-regs',1,[('regs','r3=0xffffffff pc=0x1002'),('regs','msr=0x80000000'),('sregs','pid=0x100'),('sregs','pvr=1'),('regs','r1=1 r31=2 cr=3 lr=4 ctr=5 xer=0xffffffff'),('read',)])
# paging on over empty tables: the #PF's own delivery faults (IDT unmapped); once looped for ever
w('hang-x86-fault-in-delivery',0,[('sregs','cr0=0x80000011 cr3=0x20000 cs.sel=8 cs.base=0 cs.limit=0xffffffff cs.type=11 cs.s=1 cs.p=1 cs.db=1 cs.g=1'),('regs','rip=0x1000'),('step',255),('read',),('step',255)])
# a breakpoint on the loop, its #DB delivered to the guest, while the vcpu
# runs in the background: the run loop once stopped looking at requests
# while debug registers were armed, so the read below waited for ever
w('hang-x86-background-debugregs', 0, [('mem', (0x1000, x86_loop)), ('sregs', real), ('regs', 'rip=0x1000'),
   ('debugregs', 'db0=0x1005 dr7=0x3'), ('ctl', 'start'), ('read',), ('regs', 'rax=0'), ('ctl', 'stop'), ('read',)])

# ---- fuzz_load: config byte, load-line text, NUL, image ----
out = 'tests/fuzz/regress/fuzz_load'
os.makedirs(out, exist_ok=True)
RUN, CPUS2, TWICE = 8, 0x10, 0x20
def lay(n): return n << 1
def w(name, cfg, text, image):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(bytes([cfg]) + text.encode() + b'\0' + image)

MB_MAGIC = 0x1badb002
def mbhdr(flags, aout=()):
    return struct.pack('<III', MB_MAGIC, flags, -(MB_MAGIC + flags) & 0xffffffff) + b''.join(struct.pack('<I', v) for v in aout)
# xor eax,eax; inc eax; cmp al,16; jne -6; out 0xe9,al; hlt
x86_code = bytes.fromhex('31c0 40 3c10 75fb e6e9 f4'.replace(' ', ''))

def elf32_x86(segs, entry, extra=b'', machine=3, phoff=52, phnum=None):
    # segs: (type, offset, paddr, filesz, memsz); the image ends with `extra`
    eh = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
    eh += struct.pack('<HHIIIIIHHHHHH', 2, machine, 1, entry, phoff, 0, 0, 52, 32,
                      len(segs) if phnum is None else phnum, 40, 0, 0)
    ph = b''.join(struct.pack('<IIIIIIII', t, off, pa, pa, fs, ms, 7, 4) for t, off, pa, fs, ms in segs)
    return eh + ph + extra

def elf64_x86(segs, entry, extra=b'', machine=62):
    eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9)
    eh += struct.pack('<HHIQQQIHHHHHH', 2, machine, 1, entry, 64, 0, 0, 64, 56, len(segs), 64, 0, 0)
    ph = b''.join(struct.pack('<IIQQQQQQ', t, 7, off, pa, pa, fs, ms, 8) for t, off, pa, fs, ms in segs)
    return eh + ph + extra

# ELF32: the multiboot header right after one program header, code after it
body = mbhdr(3) + x86_code
img = elf32_x86([(1, 0, 0x100000, 84 + len(body), 0x3000)], 0x100000 + 96, body)
w('seed-x86-elf32', 0 | lay(0) | RUN, '', img)
w('seed-x86-elf32-cmdline', 0 | lay(3) | RUN | CPUS2 | TWICE, 'cmdline=console=ttyS0', img)
w('seed-x86-elf32-holes', 0 | lay(1) | RUN, '', img)
# a segment below 4 GiB that runs into the slot above it
img = elf32_x86([(1, 0, 0xfffe0000, 84 + len(body), 0x20000)], 0xfffe0000 + 96, body)
w('seed-x86-elf32-top', 0 | lay(1) | RUN, '', img)
# two segments, the second in the hole: nothing may be written (the first once was)
img = elf32_x86([(1, 0, 0x200000, 116 + len(body), 0x1000), (1, 0, 0x180000, 0x10, 0x1000)], 0x200000 + 128, body)
w('partial-x86-second-segment-in-hole', 0 | lay(1), '', img)
# ELF64
body = mbhdr(2) + x86_code
img = elf64_x86([(1, 0, 0x200000, 120 + len(body), 0x2000), (6, 0, 0, 0, 0)], 0x200000 + 176, body)
w('seed-x86-elf64', 0 | lay(0) | RUN, '', img)
img = elf64_x86([(1, 0, 0xffffffff00001000, 64, 0x1000)], 0x100000, mbhdr(0))
w('seed-x86-elf64-wrap', 0 | lay(0), '', img)
# e_phoff just below 2^64: the end of the program header wrapped to inside the file, once read
img = bytearray(elf64_x86([(1, 0, 0x100000, 64, 0x1000)], 0x100000, mbhdr(0)))
img[32:40] = struct.pack('<Q', 2**64 - 8)
w('crash-x86-elf64-phoff-wrap', 0 | lay(0), '', bytes(img))
# the a.out kludge: a flat image loaded at 1 MiB, bss after it
hdr = mbhdr(0x10003, (0x100000, 0x100000, 0, 0x104000, 0x100000 + 32))
w('seed-x86-aout', 0 | lay(0) | RUN, 'cmdline=quiet', hdr + x86_code)
hdr = mbhdr(0x10000, (0x100010, 0x100000, 0x100040, 0x100000, 0x100020))
w('seed-x86-aout-header-late', 0 | lay(3) | RUN, '', bytes(16) + hdr + x86_code + bytes(16))

# ppc440: big-endian ELF32, text linked at 0xc0000000 and loaded at 0
def elf32_ppc(segs, entry, extra=b'', phoff=52):
    eh = b'\x7fELF' + bytes([1, 2, 1]) + bytes(9)
    eh += struct.pack('>HHIIIIIHHHHHH', 2, 20, 1, entry, phoff, 0, 0, 52, 32, len(segs), 40, 0, 0)
    ph = b''.join(struct.pack('>IIIIIIII', t, off, va, pa, fs, ms, fl, 4) for t, off, va, pa, fs, ms, fl in segs)
    return eh + ph + extra
# li r3,1; addi r3,r3,1; cmpwi r3,16; bne -8; lis r4,0xef60; ori r4,r4,0x300; li r5,'A'; stb r5,0(r4); b .
ppc_code = be(0x38600001, 0x38630001, 0x2c030010, 0x4082fff8, 0x3c80ef60, 0x60840300, 0x38a00041, 0x98a40000, 0x48000000)
img = elf32_ppc([(1, 0, 0xc0000000, 0, 84 + len(ppc_code), 0x3000, 5)], 0xc0000000 + 84, ppc_code)
w('seed-ppc-elf', 1 | lay(0) | RUN, '', img)
w('seed-ppc-elf-cmdline', 1 | lay(3) | RUN | CPUS2 | TWICE, 'pv=off cmdline=console=ttyS0 root=/dev/ram rw', img)
w('seed-ppc-elf-holes', 1 | lay(1) | RUN, 'pv=on', img)
# nine memslots: the device tree's memory node once overflowed a 16-cell buffer
w('crash-ppc-fdt-many-slots', 1 | lay(2) | RUN, 'cmdline=x', img)
# a bss across the end of the slot below 4 GiB into the one above it
img = elf32_ppc([(1, 0, 0xfffe0000, 0xfffe0000, 84 + len(ppc_code), 0x30000, 5)], 0xfffe0000 + 84, ppc_code)
w('seed-ppc-elf-top', 1 | lay(1), '', img)
# program headers at an odd offset: once read through a misaligned pointer
img = elf32_ppc([(1, 0, 0, 0, 0x40, 0x1000, 5)], 0x58, bytes(3) + ppc_code, phoff=52)
img = img[:52] + bytes(1) + img[52:]
img = img[:28] + struct.pack('>I', 53) + img[32:]
w('crash-ppc-phoff-unaligned', 1 | lay(0), '', img)
# entries outside RAM, no program headers, 65535 of them, a 4 GiB bss, a segment past EOF
body = mbhdr(3) + x86_code
w('seed-x86-entry-outside-ram', 0 | lay(0) | RUN, '', elf32_x86([(1, 0, 0x100000, 84 + len(body), 0x1000)], 0xfffff000, body))
w('seed-x86-phnum-0', 0 | lay(0), '', elf32_x86([], 0x100000, body))
w('seed-x86-phnum-max', 0 | lay(0), '', elf32_x86([(1, 0, 0x100000, 84 + len(body), 0x1000)], 0x100000, body, phnum=0xffff))
w('seed-x86-memsz-huge', 0 | lay(0), '', elf32_x86([(1, 0, 0, 84 + len(body), 0xffffffff)], 0x100000, body))
w('seed-x86-filesz-past-eof', 0 | lay(0), '', elf32_x86([(1, 0x40, 0x100000, 0xffffffc0, 0xffffffc0)], 0x100000, body))
img = elf32_ppc([(1, 0, 0xc0000000, 0, 84 + len(ppc_code), 0x1000, 5)], 0x20000000, ppc_code)
w('seed-ppc-entry-outside-ram', 1 | lay(0) | RUN, '', img)
img = elf32_ppc([(1, 0, 0, 0, 84 + len(ppc_code), 0xffffffff, 5)], 0x54, ppc_code)
w('seed-ppc-memsz-huge', 1 | lay(0), '', img)
img = elf32_ppc([(1, 0xffffff00, 0, 0, 0x200, 0x1000, 5)], 0x54, ppc_code)
w('seed-ppc-offset-past-eof', 1 | lay(0), '', img)
img = elf32_ppc([(1, 0, 0, 0, 84 + len(ppc_code), 0x1000, 5)], 0x54, ppc_code)
w('seed-ppc-cmdline-long', 1 | lay(0) | RUN, 'cmdline=' + ' '.join(['console=ttyS0,115200n8'] * 40), img)
w('seed-ppc-cmdline-too-long', 1 | lay(0), 'cmdline=' + ' '.join(['console=ttyS0,115200n8'] * 45), img)
