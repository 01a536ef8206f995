/*
 * What the paging guests (32-bit, PAE and long mode alike) share for
 * their verdicts: failed checks counted and printed, and the SDM's
 * access-rights rule as the error code a probe must fault with.
 */
#ifndef GUEST_PGCHECK_H
#define GUEST_PGCHECK_H

#include "lib.h"

enum { RD, WR, FX };

/* checks and reports that failed: the guests' exit code */
extern int failures;

/* "FAIL what" unless ok */
void check(const char *what, int ok);
/* "what bits=... kind=... want=... got=...": one probe's outcome was not the rule's */
void report(const char *what, uint32_t bits, int kind, uint64_t want, uint64_t got);

/*
 * The #PF error code an access of kind must fault with (0: it must not):
 * SDM vol. 3 "Access Rights": CPL 3 needs U at every level, W at every
 * level to write (CR0.WP does not matter) and no NX to fetch; CPL 0 may
 * write read-only pages unless WP, may not fetch from user pages under
 * SMEP, and may not read or write them under SMAP unless EFLAGS.AC.
 * fetch_id: a fetch fault reports I/D (the CPU does with SMEP or
 * EFER.NXE on).
 */
uint64_t access_fault(int kind, int cpl3, int user, int writable, int nx, int wp, int smep, int smap,
		      int ac, int fetch_id);

#endif
