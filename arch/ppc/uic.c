/*
 * UIC0, the 440's interrupt controller, on DCRs 0xc0-0xc8 with the
 * register behaviour of QEMU's ppc-uic: SR (write one to clear; level
 * inputs stay set), SRS (set), ER, CR (critical), PR, TR (edge), MSR,
 * VR, VCR.  Its outputs drive the CPU's external and critical inputs.
 *
 * Inputs arrive from any thread (the UART from the vcpu, `irq` writes and
 * console input from others): the state is under a lock, the outputs are
 * published atomically and a vcpu that may need to notice is kicked.
 */
#include "ppc.h"

enum { UIC_SR, UIC_SRS, UIC_ER, UIC_CR, UIC_PR, UIC_TR, UIC_MSR, UIC_VR, UIC_VCR };

void uic_reset(struct ppc_uic *u)
{
	pthread_mutex_lock(&u->lock);
	u->sr = u->er = u->cr = u->pr = u->tr = u->vcr = u->vr = u->level = 0;
	__atomic_store_n(&u->out, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&u->lock);
}

/* Recompute the outputs and the critical vector; returns the outputs.  Locked. */
static int update(struct ppc_uic *u)
{
	uint32_t ir = u->sr & u->er & ~u->cr, cr = u->sr & u->er & u->cr;
	int out = (ir ? 1 : 0) | (cr ? 2 : 0);

	u->vr = 0;
	if (cr) {
		/* VCR[0] (bit 31 in the manual's order) picks the priority end */
		int high_first = !(u->vcr & 1);
		int bit = high_first ? __builtin_clz(cr) : 31 - __builtin_ctz(cr);

		u->vr = (u->vcr & ~3u) + (uint32_t)(high_first ? bit : 31 - bit) * 512;
	}
	return out;
}

/*
 * The kicker: a vcpu waiting for an interrupt must be woken when an output
 * rises, but the UART raises its line with its own lock held, and kicking
 * waits for the vcpu, which may be waiting for that same lock.  So other
 * threads only post the kick; this thread delivers it holding nothing.
 */
static void *kicker(void *arg)
{
	struct vm *vm = arg;
	struct ppc_kicker *k = &PPCVM(vm)->kick;

	pthread_mutex_lock(&k->mu);
	while (!k->quit) {
		if (!k->pending) {
			pthread_cond_wait(&k->cond, &k->mu);
			continue;
		}
		k->pending = false;
		pthread_mutex_unlock(&k->mu);
		if (vm->vcpu[0])
			vcpu_kick(vm->vcpu[0]);
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int uic_init(struct vm *vm)
{
	struct ppc_vm *p = PPCVM(vm);
	int r;

	pthread_mutex_init(&p->uic.lock, NULL);
	pthread_mutex_init(&p->kick.mu, NULL);
	pthread_cond_init(&p->kick.cond, NULL);
	if ((r = pthread_create(&p->kick.thread, NULL, kicker, vm)))
		return -r;
	p->kick.running = true;
	return 0;
}

void uic_stop(struct vm *vm)
{
	struct ppc_kicker *k = &PPCVM(vm)->kick;

	if (!k->running)
		return;
	pthread_mutex_lock(&k->mu);
	k->quit = true;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	k->running = false;
}

static void publish(struct vm *vm, int out)
{
	struct ppc_vm *p = PPCVM(vm);
	struct vcpu *v = vm->vcpu[0];

	if (__atomic_exchange_n(&p->uic.out, out, __ATOMIC_ACQ_REL) == out || !v || !out)
		return;
	if (pthread_equal(pthread_self(), v->thread)) {
		ppc_resync(PPC(v));	/* the running vcpu raised it: it looks before going on */
		return;
	}
	pthread_mutex_lock(&p->kick.mu);
	p->kick.pending = true;
	pthread_cond_signal(&p->kick.cond);
	pthread_mutex_unlock(&p->kick.mu);
}

void uic_set_irq(struct vm *vm, unsigned line, int level)
{
	struct ppc_uic *u = &PPCVM(vm)->uic;
	uint32_t mask = 0x80000000u >> line;
	int out;

	pthread_mutex_lock(&u->lock);
	if (u->tr & mask) {
		if (level)
			u->sr |= mask;
	} else if (level) {
		u->sr |= mask;
		u->level |= mask;
	} else {
		u->sr &= ~mask;
		u->level &= ~mask;
	}
	out = update(u);
	pthread_mutex_unlock(&u->lock);
	publish(vm, out);
}

uint32_t uic_dcr_read(struct ppc_uic *u, unsigned reg)
{
	uint32_t v = 0;

	pthread_mutex_lock(&u->lock);
	switch (reg) {
	case UIC_SR: case UIC_SRS: v = u->sr; break;
	case UIC_ER: v = u->er; break;
	case UIC_CR: v = u->cr; break;
	case UIC_PR: v = u->pr; break;
	case UIC_TR: v = u->tr; break;
	case UIC_MSR: v = u->sr & u->er; break;
	case UIC_VR: v = u->vr; break;
	case UIC_VCR: v = u->vcr; break;
	}
	pthread_mutex_unlock(&u->lock);
	return v;
}

void uic_dcr_write(struct vm *vm, unsigned reg, uint32_t val)
{
	struct ppc_uic *u = &PPCVM(vm)->uic;
	int out;

	pthread_mutex_lock(&u->lock);
	switch (reg) {
	case UIC_SR: u->sr = (u->sr & ~val) | u->level; break;
	case UIC_SRS: u->sr |= val; break;
	case UIC_ER: u->er = val; break;
	case UIC_CR: u->cr = val; break;
	case UIC_PR: u->pr = val; break;
	case UIC_TR: u->tr = val; break;
	case UIC_VCR: u->vcr = val & ~2u; break;
	}
	out = update(u);
	pthread_mutex_unlock(&u->lock);
	publish(vm, out);
}
