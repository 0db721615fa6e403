/* Event channels by polling (event_channel.h, SCHEDOP_poll): upcalls stay masked. */
#ifndef UK_EVENTS_H
#define UK_EVENTS_H
#include "hypervisor.h"

void evtchn_send(evtchn_port_t port);
/* Allocates a port a remote domain may bind to; 0 on success. */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
/* Clears a port's pending bit before its work is looked at again. */
void evtchn_clear(evtchn_port_t port);
/* Blocks until the port is pending or `nanoseconds` have passed (0: no limit). */
void evtchn_poll_one(evtchn_port_t port, uint64_t nanoseconds);
/* Sleeps `nanoseconds` (a poll on port 0, which is reserved and never pending). */
void kernel_sleep(uint64_t nanoseconds);
#endif
