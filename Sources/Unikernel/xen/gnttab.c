/* Speaks grant tables v1 (grant_table.h): GNTTABOP_setup_table gives the table's machine
 * frames, mapped over pages of the kernel's own; grants are permanent for the kernel's life
 * (rings and packet buffers), handed out from the first unreserved entry. */
#include "gnttab.h"

#define GRANT_FRAMES 4
#define GRANT_ENTRIES (GRANT_FRAMES * PAGE_SIZE / sizeof(grant_entry_v1_t))

static char table_pages[GRANT_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static grant_entry_v1_t *table;
static grant_ref_t next_free = GNTTAB_NR_RESERVED_ENTRIES;

void gnttab_init(void)
{
	xen_pfn_t frames[GRANT_FRAMES];
	struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = GRANT_FRAMES };
	set_xen_guest_handle(setup.frame_list, frames);
	long status = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uint64_t)&setup, 1, 0, 0);
	if (status != 0 || setup.status != GNTST_okay)
		kernel_crash("augur-uk: grant table setup failed (%ld, status %d)\n", status, setup.status);
	for (int i = 0; i < GRANT_FRAMES; i++)
		if (map_frame(table_pages[i], frames[i]) != 0)
			kernel_crash("augur-uk: cannot map grant frame %d\n", i);
	table = (grant_entry_v1_t *)table_pages;
}

grant_ref_t gnttab_grant(domid_t domain, const void *page, int readonly)
{
	if (next_free >= GRANT_ENTRIES)
		kernel_crash("augur-uk: out of grant references (%u)\n", (unsigned)GRANT_ENTRIES);
	grant_ref_t ref = next_free++;
	table[ref].frame = (uint32_t)virt_to_mfn(page);
	table[ref].domid = domain;
	xen_wmb();
	table[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	return ref;
}
