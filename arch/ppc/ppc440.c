/*
 * The "ppc440" architecture: a 440 core on a platform compatible with
 * QEMU's `-M bamboo` (RAM at 0, UART0 at 0xef600300 on UIC0 input 0, UIC0
 * on DCR 0xc0 driving the external and critical inputs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ppc.h"
#include "vmm/text.h"
#include "vmm/uart16550.h"

#define UART0_BASE 0xef600300u

static void uart_irq(void *opaque, int level)
{
	uic_set_irq(opaque, 0, level);
}

static void ppc_vm_destroy(struct vm *vm)
{
	struct ppc_vm *p = PPCVM(vm);

	uic_stop(vm);
	uart16550_free(p->uart);
	free(p->dtb);
	p->uart = NULL;
	p->dtb = NULL;
}

static int ppc_vm_init(struct vm *vm, struct kvlist *opts, char *why, size_t whylen)
{
	struct ppc_vm *p = PPCVM(vm);
	int r;

	for (int i = 0; i < opts->n; i++) {
		const struct kv *o = &opts->kv[i];

		if (strcmp(o->key, "pv") || !o->val || (strcmp(o->val, "on") && strcmp(o->val, "off"))) {
			snprintf(why, whylen, "%s: unknown option for arch=ppc440 (it has pv=on|off)", o->key);
			return -EINVAL;
		}
		p->pv_off = !strcmp(o->val, "off");
	}
	if ((r = uic_init(vm))) {
		snprintf(why, whylen, "cannot start the interrupt controller's thread");
		return r;
	}
	if (!(p->uart = uart16550_create(vm, uart_irq, vm))) {
		snprintf(why, whylen, "out of memory for the UART");
		ppc_vm_destroy(vm);
		return -ENOMEM;
	}
	if ((r = iobus_register(&vm->mmio, UART0_BASE, 8, &uart16550_ops, p->uart, "uart0"))) {
		snprintf(why, whylen, "cannot place the UART at 0x%x", UART0_BASE);
		ppc_vm_destroy(vm);
		return r;
	}
	return 0;
}

/* The UART, then the UIC: the UART's line going down must not survive in UIC0. */
static void ppc_devices_reset(struct vm *vm)
{
	struct ppc_vm *p = PPCVM(vm);

	uart16550_reset(p->uart);
	uic_reset(&p->uic);
}

static int ppc_vcpu_init(struct vcpu *v)
{
	struct ppc *c = PPC(v);

	c->v = v;
	c->vm = v->vm;
	c->pir = v->id;
	return 0;
}

static void ppc_vcpu_destroy(struct vcpu *v)
{
	/* the kicker may be about to kick vcpu 0: it goes before vcpu 0 does */
	if (v->id == 0)
		uic_stop(v->vm);
	code_drop_all(PPC(v));
}

/* A reset brings vcpu 0 back to the loaded image's entry, as QEMU's bamboo does. */
static void ppc_vcpu_reset(struct vcpu *v)
{
	struct ppc_vm *p = PPCVM(v->vm);
	struct ppc *c = PPC(v);

	c->v = v;
	c->vm = v->vm;
	if (v->id == 0) {
		uic_reset(&p->uic);
		if (p->boot.valid) {
			ppc_boot_cpu(v->vm);
			return;
		}
	}
	ppc_reset(c);
	c->pir = v->id;
}

static int ppc_irq_pending(struct vcpu *v)
{
	struct ppc *c = PPC(v);

	ppc_timers_update(c);
	/* a watchdog reset raised while the vcpu waits wakes it to end the run */
	return ppc_irq_deliverable(c) || c->stop;
}

static int ppc_set_irq(struct vm *vm, unsigned line, int level, char *why, size_t whylen)
{
	if (line > 31) {
		snprintf(why, whylen, "line %u: UIC0 has inputs 0-31", line);
		return -ERANGE;
	}
	uic_set_irq(vm, line, level);
	return 0;
}

static void ppc_mem_written(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < vm->ncpus; i++)
		code_invalidate(PPC(vm->vcpu[i]), gpa, len);
}

static void ppc_slots_changed(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++) {
		code_drop_all(PPC(vm->vcpu[i]));
		soft_flush(PPC(vm->vcpu[i]));
		pv_slots_changed(PPC(vm->vcpu[i]));
	}
}

static void ppc_dirty_rearm(struct vm *vm, struct memslot *slot)
{
	(void)slot;
	for (int i = 0; i < vm->ncpus; i++)
		soft_flush_writes(PPC(vm->vcpu[i]));
}

static const struct state_desc *const state_files[] = {
	&ppc_regs_file, &ppc_sregs_file, &ppc_events_file, NULL
};
static const struct vcpu_file *const vcpu_files[] = { &ppc_tlb_file, &ppc_mmu_file, NULL };
static const struct vm_file *const vm_files[] = { &ppc_dtb_file, NULL };
static const char *const stat_names[] = {
#define X(e, s) s,
	PPC_STATS(X)
#undef X
};

_Static_assert(PS_NR <= ARCH_STATS_MAX, "too many ppc440 counters");

const struct arch_ops ppc440_ops = {
	.name = "ppc440",
	.vm_size = sizeof(struct ppc_vm),
	.vcpu_size = sizeof(struct ppc),
	.state_files = state_files,
	.vcpu_files = vcpu_files,
	.vm_files = vm_files,
	.stat_names = stat_names,
	.nstats = PS_NR,
	.vm_init = ppc_vm_init,
	.vm_destroy = ppc_vm_destroy,
	.devices_reset = ppc_devices_reset,
	.vcpu_init = ppc_vcpu_init,
	.vcpu_destroy = ppc_vcpu_destroy,
	.vcpu_reset = ppc_vcpu_reset,
	.run = ppc_run,
	.irq_pending = ppc_irq_pending,
	.load = ppc_load,
	.set_irq = ppc_set_irq,
	.mem_written = ppc_mem_written,
	.slots_changed = ppc_slots_changed,
	.dirty_rearm = ppc_dirty_rearm,
	.enable_cap = ppc_enable_cap,
};
