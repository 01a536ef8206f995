/* The x86 architecture as vmm/ sees it: the ops table and the PC platform setup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu.h"
#include "mmu.h"
#include "platform.h"
#include "vmm/text.h"
#include "vmm/uart16550.h"
#include "vmm/vm.h"

extern const struct state_desc *const x86_state_files[];
enum run_result x86_run(struct vcpu *v, uint64_t budget);
int multiboot_load(struct vm *vm, const uint8_t *img, size_t len, struct kvlist *args,
		   char *why, size_t whylen);

void x86_mode_update(struct x86_cpu *c)
{
	uint32_t m = 0;

	if (c->s.seg[SEG_CS].db)
		m |= MODE_OP32;
	if (c->s.seg[SEG_SS].db)
		m |= MODE_STK32;
	/* virtual-8086 mode decodes and checks segments as real mode does */
	if ((c->s.cr0 & CR0_PE) && !(c->s.rflags & FL_VM))
		m |= MODE_PE;
	if (c->s.efer & EFER_LMA) {
		m |= MODE_LMA;
		if (c->s.seg[SEG_CS].l)
			m = (m & ~MODE_STK32) | MODE_LONG | MODE_OP32;
	}
	c->mode = m;
	c->cpl = !(c->s.cr0 & CR0_PE) ? 0 : (c->s.rflags & FL_VM) ? 3 : c->s.seg[SEG_CS].dpl;
	seg_checks_update(c);
	/* soft TLB entries hold the rights of one side of the U/S line: each side has its set */
	if (c->mmu && c->mmu->root && mmu_paging(c) && (c->cpl == 3) != c->tlbs.cur->user)
		tlb_switch(c);
}

/* Power-on state (Intel SDM vol. 3, "Processor state after reset"). */
void x86_reset_state(struct x86_cpu *c)
{
	struct x86_state *s = &c->s;
	struct timespec ts;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SEG_NR; i++)
		s->seg[i] = (struct x86_seg){ .limit = 0xffff, .type = 0x3, .s = 1, .p = 1 };
	s->seg[SEG_CS] = (struct x86_seg){ .sel = 0xf000, .base = 0xffff0000, .limit = 0xffff,
					   .type = 0xb, .s = 1, .p = 1 };
	s->seg[SEG_LDT] = (struct x86_seg){ .limit = 0xffff, .type = 0x2, .p = 1 };
	s->seg[SEG_TR] = (struct x86_seg){ .limit = 0xffff, .type = 0xb, .p = 1 };
	s->gdt.limit = s->idt.limit = 0xffff;
	s->rip = 0xfff0;
	s->rflags = 2;
	s->gpr[RDX] = X86_CPUID_SIGNATURE;
	s->cr0 = CR0_CD | CR0_NW | CR0_ET;
	s->apic_base = 0xfee00000 | 0x800 | (c->v->id == 0 ? 0x100 : 0);
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->pat = 0x0007040600070406ull;
	s->misc_enable = 1;		/* fast strings */
	c->lf.op = LF_NONE;
	c->shadow = 0;
	c->db_hits = c->db_pending = 0;
	c->hc_pending = 0;
	x86_mode_update(c);
	mmu_reset_context(c);
	x86_debug_update(c);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->tsc_base = ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int x86_vm_init(struct vm *vm, struct kvlist *opts, char *why, size_t whylen)
{
	struct x86_vm *xv = vm->arch_state;
	int r;

	if (opts && opts->n) {
		snprintf(why, whylen, "unknown option '%s' for arch=x86 (it takes none)", opts->kv[0].key);
		return -EINVAL;
	}
	xv->com1 = uart16550_create(vm, NULL, NULL);
	if (!xv->com1) {
		snprintf(why, whylen, "out of memory for the serial port");
		return -ENOMEM;
	}
	r = iobus_register(&vm->pio, COM1_BASE, 8, &uart16550_ops, xv->com1, "com1");
	if (!r)
		r = debugexit_init(vm, &xv->dbg);
	if (r) {
		snprintf(why, whylen, "cannot register the PC devices: %s", strerror(-r));
		uart16550_free(xv->com1);
		xv->com1 = NULL;
	}
	return r;
}

static void x86_vm_destroy(struct vm *vm)
{
	struct x86_vm *xv = vm->arch_state;

	uart16550_free(xv->com1);
	xv->com1 = NULL;
}

static void x86_devices_reset(struct vm *vm)
{
	struct x86_vm *xv = vm->arch_state;
	uint64_t code;

	uart16550_reset(xv->com1);
	debugexit_take(&xv->dbg, &code);
}

static int x86_vcpu_init(struct vcpu *v)
{
	struct x86_cpu *c = x86_of(v);

	c->v = v;
	c->vm = v->vm;
	tlb_init(c);
	if (mmu_init(c))
		return -ENOMEM;
	return 0;
}

static void x86_vcpu_destroy(struct vcpu *v)
{
	struct x86_cpu *c = x86_of(v);

	blocks_flush(c);
	blocks_free_dead(c);
	free(c->cpuid);
	mmu_destroy(c);
	tlb_destroy(c);
}

static void x86_vcpu_reset(struct vcpu *v)
{
	x86_reset_state(x86_of(v));
}

static int x86_irq_pending(struct vcpu *v)
{
	return x86_irq_deliverable(x86_of(v));
}

static int x86_set_irq(struct vm *vm, unsigned line, int level, char *why, size_t whylen)
{
	(void)vm;
	(void)level;
	snprintf(why, whylen, "irq %u: this x86 platform has no interrupt controller yet; "
		 "inject through the vcpu's events file", line);
	return -ENODEV;
}

static void x86_mem_written(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (int n = 0; n < vm->ncpus; n++) {
		struct x86_cpu *c = x86_of(vm->vcpu[n]);
		uint64_t a = gpa, end = gpa + len;

		while (a < end) {
			uint64_t pend = (a & PAGE_MASK) + PAGE_SIZE, e = end < pend ? end : pend;

			if (c->ncpages)
				blocks_page_written(c, a >> PAGE_SHIFT, a & ~PAGE_MASK, e - a);
			/* a shadowed page table written through `mem` */
			mmu_pt_written(c, a >> PAGE_SHIFT, a & ~PAGE_MASK, e - a);
			a = e;
		}
		blocks_free_dead(c);
	}
}

static void x86_slots_changed(struct vm *vm)
{
	for (int n = 0; n < vm->ncpus; n++) {
		struct x86_cpu *c = x86_of(vm->vcpu[n]);

		mmu_zap_all(c);
		c->last_slot = NULL;
		blocks_flush(c);
		blocks_free_dead(c);
	}
}

static void x86_dirty_rearm(struct vm *vm, struct memslot *slot)
{
	for (int n = 0; n < vm->ncpus; n++) {
		mmu_dirty_rearm(x86_of(vm->vcpu[n]), slot->gpa >> PAGE_SHIFT, slot->size >> PAGE_SHIFT);
		tlb_drop_write_slot(x86_of(vm->vcpu[n]), slot);
	}
}

/* As the 440's: hypercalls the VMM does not answer itself end `run` with reason=hypercall. */
static int x86_enable_cap(struct vm *vm, const char *name, char *why, size_t whylen)
{
	struct x86_vm *xv = vm->arch_state;

	if (strcmp(name, "hcall-exit")) {
		snprintf(why, whylen, "%s: unknown capability; x86 has hcall-exit", name);
		return -EINVAL;
	}
	/* the vcpus may be running: they read it at each hypercall */
	__atomic_store_n(&xv->cap_hcall_exit, 1, __ATOMIC_RELAXED);
	return 0;
}

extern const struct vcpu_file x86_tlb_file, x86_mmu_file, x86_translate_file;
extern const struct vcpu_file x86_cpuid_file;
static const struct vcpu_file *const vcpu_files[] = {
	&x86_cpuid_file,
	&x86_tlb_file, &x86_mmu_file, &x86_translate_file, NULL
};
static const struct vm_file *const no_vm_files[] = { NULL };
static const char *const x86_stat_names[] = {
#define XS(e, s) s,
	X86_STATS(XS)
#undef XS
};

const struct arch_ops x86_ops = {
	.name = "x86",
	.vm_size = sizeof(struct x86_vm),
	.vcpu_size = sizeof(struct x86_cpu),
	.state_files = x86_state_files,
	.vcpu_files = vcpu_files,
	.vm_files = no_vm_files,
	.stat_names = x86_stat_names,
	.nstats = sizeof(x86_stat_names) / sizeof(x86_stat_names[0]),
	.vm_init = x86_vm_init,
	.vm_destroy = x86_vm_destroy,
	.devices_reset = x86_devices_reset,
	.vcpu_init = x86_vcpu_init,
	.vcpu_destroy = x86_vcpu_destroy,
	.vcpu_reset = x86_vcpu_reset,
	.run = x86_run,
	.irq_pending = x86_irq_pending,
	.load = multiboot_load,
	.set_irq = x86_set_irq,
	.mem_written = x86_mem_written,
	.slots_changed = x86_slots_changed,
	.dirty_rearm = x86_dirty_rearm,
	.set_guest_debug = x86_set_guest_debug,
	.enable_cap = x86_enable_cap,
};
