/* A monotonic clock from the shared info page's vcpu_time_info (xen.h). */
#ifndef UK_CLOCK_H
#define UK_CLOCK_H
#include <stdint.h>
void clock_init(void);
/* Nanoseconds of Xen system time (since the host booted). */
uint64_t clock_now_ns(void);
#endif
