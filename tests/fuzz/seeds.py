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
