/* Exception entry points for set_trap_table (xen/include/public/arch-x86/xen-x86_64.h).
 * Xen pushes %rcx and %r11 above the hardware frame; each stub hands that frame to
 * trap_fault(), which reports where the fault happened and crashes the domain. */
	.text
	.code64
#define STUB(vector)                   \
	.globl trap_entry_##vector;    \
trap_entry_##vector:                   \
	movq %rsp, %rsi;               \
	movq $vector, %rdi;            \
	andq $-16, %rsp;               \
	call trap_fault;               \
1:	hlt;                           \
	jmp 1b

STUB(0)
STUB(1)
STUB(3)
STUB(4)
STUB(5)
STUB(6)
STUB(7)
STUB(8)
STUB(10)
STUB(11)
STUB(12)
STUB(13)
STUB(14)
STUB(16)
STUB(17)
STUB(19)
	.section .note.GNU-stack, "", @progbits
