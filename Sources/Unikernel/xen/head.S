/* Entry, ELF notes and hypercall page of a 64-bit Xen PV guest (xen/include/public/elfnote.h). */
#include <xen/elfnote.h>

#define NOTE(type, desctype, desc)            \
	.pushsection .note.Xen, "a", @note;   \
	.balign 4;                            \
	.long 2f - 1f;                        \
	.long 4f - 3f;                        \
	.long type;                           \
1:	.asciz "Xen";                         \
2:	.balign 4;                            \
3:	desctype desc;                        \
4:	.balign 4;                            \
	.popsection

NOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "augur-uk")
NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "1")
NOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
NOTE(XEN_ELFNOTE_VIRT_BASE, .quad, 0)
NOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, 0)
NOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)
NOTE(XEN_ELFNOTE_FEATURES, .asciz, "!writable_page_tables")

	.section .text.head, "ax"
	.code64
	.globl _start
_start:
	cld
	/* Xen leaves the start_info pointer in %rsi; the kernel runs on its own stack. */
	leaq boot_stack_top(%rip), %rsp
	movq %rsi, %rdi
	call kernel_main
1:	hlt
	jmp 1b

	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0

	.bss
	.balign 16
boot_stack:
	.fill 65536, 1, 0
boot_stack_top:
	.section .note.GNU-stack, "", @progbits
