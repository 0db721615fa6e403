/* Grant table v1 (grant_table.h): pages this domain lets a backend copy into or from. */
#ifndef UK_GNTTAB_H
#define UK_GNTTAB_H
#include "hypervisor.h"
void gnttab_init(void);
/* Grants `domain` access to the page at `page`; returns the reference (crashes when none is left). */
grant_ref_t gnttab_grant(domid_t domain, const void *page, int readonly);
#endif
