/* The trap table (HYPERVISOR_set_trap_table, arch-x86/xen.h): every CPU exception reports
 * where it happened on the console and crashes the domain, whose console the operator reads. */
#include "hypervisor.h"
#include "console.h"

#define VECTORS(X) X(0) X(1) X(3) X(4) X(5) X(6) X(7) X(8) X(10) X(11) X(12) X(13) X(14) X(16) X(17) X(19)
#define DECLARE(vector) extern char trap_entry_##vector[];
VECTORS(DECLARE)

static const char *name(unsigned long vector)
{
	switch (vector) {
	case 0: return "divide error";
	case 1: return "debug";
	case 3: return "breakpoint";
	case 4: return "overflow";
	case 5: return "bound range";
	case 6: return "invalid opcode";
	case 7: return "device not available";
	case 8: return "double fault";
	case 10: return "invalid TSS";
	case 11: return "segment not present";
	case 12: return "stack fault";
	case 13: return "general protection";
	case 14: return "page fault";
	case 16: return "x87 floating point";
	case 17: return "alignment check";
	case 19: return "SIMD floating point";
	default: return "exception";
	}
}

static int has_error_code(unsigned long vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

void traps_init(void)
{
#define ENTRY(vector) { vector, 0, FLAT_KERNEL_CS, (unsigned long)trap_entry_##vector },
	static trap_info_t table[] = { VECTORS(ENTRY) { 0, 0, 0, 0 } };
#undef ENTRY
	if (hypercall(__HYPERVISOR_set_trap_table, (uint64_t)table, 0, 0, 0, 0) != 0)
		kernel_crash("augur-uk: set_trap_table failed\n");
}

/* `frame`: %rcx and %r11 as Xen pushed them, then [error code], %rip, %cs, %rflags, %rsp. */
void trap_fault(unsigned long vector, const unsigned long *frame)
{
	const unsigned long *hardware = frame + 2;
	unsigned long error = has_error_code(vector) ? *hardware++ : 0;
	unsigned long rip = hardware[0], rsp = hardware[3];
	if (vector == 14)
		kernel_crash("augur-uk: fatal %s at rip 0x%lx (address 0x%lx, error 0x%lx, rsp 0x%lx)\n", name(vector), rip,
			     shared_info ? shared_info->vcpu_info[0].arch.cr2 : 0, error, rsp);
	kernel_crash("augur-uk: fatal %s at rip 0x%lx (error 0x%lx, rsp 0x%lx)\n", name(vector), rip, error, rsp);
}
