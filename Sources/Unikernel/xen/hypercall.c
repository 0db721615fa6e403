/* Hypercalls through the page Xen fills at load (XEN_ELFNOTE_HYPERCALL_PAGE), memory
 * translations through the p2m list and the M2P table, and shutdown (sched.h). */
#include "hypervisor.h"
#include "console.h"

start_info_t *start_info;
shared_info_t *shared_info;

long hypercall(unsigned int op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	void *entry = hypercall_page + (uint64_t)op * 32;
	long result;
	__asm__ volatile("call *%[entry]"
			 : "=a"(result), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [entry] "r"(entry)
			 : "rcx", "r11", "memory");
	return result;
}

void *mfn_to_virt(uint64_t mfn)
{
	const xen_pfn_t *m2p = (const xen_pfn_t *)MACH2PHYS_VIRT_START;
	return (void *)(m2p[mfn] << PAGE_SHIFT);
}

uint64_t virt_to_mfn(const void *address)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)start_info->mfn_list;
	return p2m[(uint64_t)address >> PAGE_SHIFT];
}

int map_frame(void *page, uint64_t mfn)
{
	return (int)hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)page, (mfn << PAGE_SHIFT) | PTE_RW_FLAGS,
			      UVMF_INVLPG, 0, 0);
}

static void shutdown(unsigned int reason)
{
	struct sched_shutdown request = { .reason = reason };
	for (;;)
		hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&request, 0, 0, 0);
}

void kernel_crash(const char *fmt, ...)
{
	va_list arguments;
	va_start(arguments, fmt);
	console_vprintf(fmt, arguments);
	va_end(arguments);
	console_flush();
	shutdown(SHUTDOWN_crash);
	__builtin_unreachable();
}

void kernel_poweroff(void)
{
	console_flush();
	shutdown(SHUTDOWN_poweroff);
	__builtin_unreachable();
}
