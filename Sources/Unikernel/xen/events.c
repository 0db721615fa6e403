/* Event channels (event_channel.h): send, allocate, and wait by SCHEDOP_poll, which works
 * while the vCPU's upcalls stay masked, so the kernel needs no callback or iret path. */
#include "events.h"
#include "clock.h"

void evtchn_send(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };
	hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)&send, 0, 0, 0);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound request = { .dom = DOMID_SELF, .remote_dom = remote };
	long status = hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)&request, 0, 0, 0);
	if (status != 0)
		return (int)status;
	*port = request.port;
	return 0;
}

void evtchn_clear(evtchn_port_t port)
{
	xen_ulong_t *word = &shared_info->evtchn_pending[port / (sizeof(xen_ulong_t) * 8)];
	__atomic_fetch_and(word, ~((xen_ulong_t)1 << (port % (sizeof(xen_ulong_t) * 8))), __ATOMIC_SEQ_CST);
}

void evtchn_poll_one(evtchn_port_t port, uint64_t nanoseconds)
{
	struct sched_poll poll = { .nr_ports = 1, .timeout = nanoseconds ? clock_now_ns() + nanoseconds : 0 };
	set_xen_guest_handle(poll.ports, &port);
	hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&poll, 0, 0, 0);
}

void kernel_sleep(uint64_t nanoseconds)
{
	evtchn_poll_one(0, nanoseconds);
}
