/* Exits to userspace, kvm_run-like, and their completions. */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

struct buf;
struct kvlist;

#define EXIT_REASONS(X) \
	X(NONE, "none") \
	X(IO, "io") \
	X(MMIO, "mmio") \
	X(HLT, "hlt") \
	X(SHUTDOWN, "shutdown") \
	X(DEBUG, "debug") \
	X(INTERNAL_ERROR, "internal_error") \
	X(INTR, "intr") \
	X(SYSTEM_EVENT, "system_event") \
	X(OSI, "osi") \
	X(PAPR_HCALL, "papr_hcall") \
	X(HYPERCALL, "hypercall")

enum exit_reason {
#define X(e, s) EXIT_##e,
	EXIT_REASONS(X)
#undef X
	EXIT_NR
};

enum system_event_type { SYSEV_EXIT, SYSEV_RESET, SYSEV_SHUTDOWN };

struct vcpu_exit {
	enum exit_reason reason;
	union {
		struct {
			uint8_t dir_out;	/* 1 = out */
			uint8_t size;		/* 1, 2, 4 */
			uint16_t port;
			uint32_t count;
			uint64_t data;
		} io;
		struct {
			uint64_t gpa;
			uint8_t len;		/* 1..8 */
			uint8_t write;
			uint64_t data;
		} mmio;
		struct {
			uint32_t type;		/* enum system_event_type */
			uint64_t code;
		} system_event;
		struct {
			uint32_t suberror;	/* 1 = emulation failure */
			uint64_t addr;		/* guest address of the instruction */
			uint8_t nbytes;
			uint8_t bytes[16];
			char why[64];
		} internal;
		struct {
			uint64_t pc;
			uint32_t kind;		/* 0 step, 1 breakpoint, 2 watchpoint */
			uint64_t addr;
		} debug;
		struct {
			uint64_t nr;
			uint64_t args[8];
			uint64_t ret;
			uint64_t out[8];
		} hypercall;
		struct {
			uint64_t gprs[32];
		} osi;
	};
	/* The guest waits for data (io in, mmio read, hypercall, osi). */
	bool needs_completion;
	/* Userspace wrote a completion to the exit file. */
	bool completed;
};

const char *exit_reason_name(enum exit_reason r);
/* One line, machine-first, every field a script needs. */
void exit_render(const struct vcpu_exit *e, struct buf *out);
/*
 * Parse a completion written to `exit`.  Returns 0 or a negative errno with
 * `why` filled in; on success `e` is updated and marked completed.
 */
int exit_complete(struct vcpu_exit *e, struct kvlist *kv, char *why, size_t whylen);

#endif
