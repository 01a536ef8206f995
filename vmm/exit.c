#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exit.h"
#include "text.h"

static const char *const reason_names[] = {
#define X(e, s) s,
	EXIT_REASONS(X)
#undef X
};

static const char *const sysev_names[] = { "exit", "reset", "shutdown" };

const char *exit_reason_name(enum exit_reason r)
{
	return r < EXIT_NR ? reason_names[r] : "unknown";
}

void exit_render(const struct vcpu_exit *e, struct buf *out)
{
	buf_printf(out, "reason=%s", exit_reason_name(e->reason));
	switch (e->reason) {
	case EXIT_IO:
		buf_printf(out, " dir=%s port=0x%x size=%u count=%u data=0x%llx",
			   e->io.dir_out ? "out" : "in", e->io.port, e->io.size, e->io.count,
			   (unsigned long long)e->io.data);
		break;
	case EXIT_MMIO:
		buf_printf(out, " gpa=0x%llx len=%u write=%u data=0x%llx",
			   (unsigned long long)e->mmio.gpa, e->mmio.len, e->mmio.write,
			   (unsigned long long)e->mmio.data);
		break;
	case EXIT_SYSTEM_EVENT:
		buf_printf(out, " type=%s code=%llu",
			   e->system_event.type < 3 ? sysev_names[e->system_event.type] : "unknown",
			   (unsigned long long)e->system_event.code);
		break;
	case EXIT_INTERNAL_ERROR:
		buf_printf(out, " suberror=%u addr=0x%llx bytes=", e->internal.suberror,
			   (unsigned long long)e->internal.addr);
		for (int i = 0; i < e->internal.nbytes && i < 16; i++)
			buf_printf(out, "%02x", e->internal.bytes[i]);
		if (!e->internal.nbytes)
			buf_printf(out, "none");
		if (e->internal.why[0]) {
			/* the why is free text: keep the line one key=value per field */
			buf_printf(out, " why=");
			for (const char *p = e->internal.why; *p; p++)
				buf_printf(out, "%c", *p == ' ' ? '_' : *p);
		}
		break;
	case EXIT_DEBUG:
		buf_printf(out, " kind=%s pc=0x%llx",
			   e->debug.kind == 0 ? "step" : e->debug.kind == 1 ? "breakpoint" : "watchpoint",
			   (unsigned long long)e->debug.pc);
		if (e->debug.kind == 2)
			buf_printf(out, " addr=0x%llx", (unsigned long long)e->debug.addr);
		break;
	case EXIT_HYPERCALL:
	case EXIT_PAPR_HCALL:
		buf_printf(out, " nr=0x%llx args=", (unsigned long long)e->hypercall.nr);
		for (int i = 0; i < 8; i++)
			buf_printf(out, "%s0x%llx", i ? "," : "", (unsigned long long)e->hypercall.args[i]);
		break;
	case EXIT_OSI:
		for (int i = 0; i < 32; i++)
			buf_printf(out, " gpr%d=0x%llx", i, (unsigned long long)e->osi.gprs[i]);
		break;
	default:
		break;
	}
	buf_printf(out, "\n");
}

int exit_complete(struct vcpu_exit *e, struct kvlist *kv, char *why, size_t whylen)
{
	struct vcpu_exit n = *e;

	if (!e->needs_completion) {
		snprintf(why, whylen, "the last exit (reason=%s) takes no completion",
			 exit_reason_name(e->reason));
		return -EINVAL;
	}
	for (int i = 0; i < kv->n; i++) {
		const char *k = kv->kv[i].key, *v = kv->kv[i].val;
		uint64_t val;
		int r, idx;
		unsigned bits = 64;

		if (!v) {
			snprintf(why, whylen, "'%s' is not key=value", k);
			return -EINVAL;
		}
		if (e->reason == EXIT_IO && e->io.size < 8)
			bits = e->io.size * 8;
		if (e->reason == EXIT_MMIO && e->mmio.len < 8)
			bits = e->mmio.len * 8;
		r = parse_uint(v, bits, &val);
		if (r) {
			snprintf(why, whylen, "%s=%s: %s", k, v,
				 r == -ERANGE ? "does not fit the access size" : "not a number");
			return r;
		}
		if (!strcmp(k, "data") && e->reason == EXIT_IO)
			n.io.data = val;
		else if (!strcmp(k, "data") && e->reason == EXIT_MMIO)
			n.mmio.data = val;
		else if (!strcmp(k, "ret") && (e->reason == EXIT_HYPERCALL || e->reason == EXIT_PAPR_HCALL))
			n.hypercall.ret = val;
		else if ((e->reason == EXIT_HYPERCALL || e->reason == EXIT_PAPR_HCALL) &&
			 sscanf(k, "out%d", &idx) == 1 && idx >= 0 && idx < 8)
			n.hypercall.out[idx] = val;
		else if (e->reason == EXIT_OSI && sscanf(k, "gpr%d", &idx) == 1 && idx >= 0 && idx < 32)
			n.osi.gprs[idx] = val;
		else {
			snprintf(why, whylen, "'%s' is not a completion field of reason=%s",
				 k, exit_reason_name(e->reason));
			return -EINVAL;
		}
	}
	n.completed = true;
	*e = n;
	return 0;
}
