/* The Xen interface as the kernel uses it: hypercalls through the hypercall page, barriers,
 * the start-of-day page and the pseudo-physical/machine frame translations (xen.h). */
#ifndef UK_HYPERVISOR_H
#define UK_HYPERVISOR_H

#include <stdint.h>
#include <stddef.h>

#define xen_mb() __asm__ volatile("mfence" ::: "memory")
#define xen_rmb() __asm__ volatile("" ::: "memory")
#define xen_wmb() __asm__ volatile("" ::: "memory")

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
/* Present, writable, user (the kernel runs in ring 3), accessed, dirty. */
#define PTE_RW_FLAGS 0x67UL

extern char hypercall_page[PAGE_SIZE];
extern start_info_t *start_info;
extern shared_info_t *shared_info;

long hypercall(unsigned int op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* A machine frame's address in the kernel's 1:1 mapping of its pseudo-physical memory. */
void *mfn_to_virt(uint64_t mfn);
/* The machine frame behind a kernel address (from the domain builder's p2m list). */
uint64_t virt_to_mfn(const void *address);
/* Maps a machine frame at a page-aligned kernel address; 0 on success. */
int map_frame(void *page, uint64_t mfn);

/* Prints a message and SCHEDOP_shutdown(crash); never returns. */
__attribute__((noreturn)) void kernel_crash(const char *fmt, ...);
/* SCHEDOP_shutdown(poweroff). */
__attribute__((noreturn)) void kernel_poweroff(void);

#endif
