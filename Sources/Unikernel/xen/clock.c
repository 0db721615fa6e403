/* Reads Xen system time from vCPU 0's vcpu_time_info in the shared info page (xen.h):
 * system_time at tsc_timestamp, scaled TSC ticks since, under the version seqlock. */
#include "hypervisor.h"
#include "clock.h"

/* The page the shared info frame is mapped over. */
static char shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void clock_init(void)
{
	if (map_frame(shared_info_page, start_info->shared_info >> PAGE_SHIFT) != 0)
		kernel_crash("augur-uk: cannot map the shared info page\n");
	shared_info = (shared_info_t *)shared_info_page;
}

static inline uint64_t read_tsc(void)
{
	uint32_t low, high;
	__asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
	return ((uint64_t)high << 32) | low;
}

uint64_t clock_now_ns(void)
{
	const volatile struct vcpu_time_info *time = &shared_info->vcpu_info[0].time;
	uint32_t version;
	uint64_t now;
	do {
		version = time->version;
		__asm__ volatile("" ::: "memory");
		uint64_t delta = read_tsc() - time->tsc_timestamp;
		int8_t shift = time->tsc_shift;
		delta = shift >= 0 ? delta << shift : delta >> -shift;
		now = time->system_time + (uint64_t)(((unsigned __int128)delta * time->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != time->version);
	return now;
}
