/* Speaks the xenstore wire protocol (io/xs_wire.h) over the store page in start_info: one
 * request at a time, each answered before the next, waiting on the store's event channel.
 * Every ring index is masked and every length checked before a byte is copied. */
#include "hypervisor.h"
#include "xenstore.h"
#include "events.h"
#include "clock.h"
#include <string.h>
#include <xen/io/xs_wire.h>

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static uint32_t next_request_id = 1;

/* How long one request may wait for its answer. */
#define XENSTORE_TIMEOUT_NS 10000000000ULL

void xenstore_init(void)
{
	ring = mfn_to_virt(start_info->store_mfn);
	port = start_info->store_evtchn;
}

static void ring_write(const void *data, size_t length)
{
	const char *bytes = data;
	while (length) {
		XENSTORE_RING_IDX cons = ring->req_cons, prod = ring->req_prod;
		xen_mb();
		if (prod - cons >= XENSTORE_RING_SIZE) {
			evtchn_send(port);
			evtchn_clear(port);
			evtchn_poll_one(port, 1000000);
			continue;
		}
		size_t room = XENSTORE_RING_SIZE - (prod - cons);
		size_t chunk = length < room ? length : room;
		for (size_t i = 0; i < chunk; i++)
			ring->req[MASK_XENSTORE_IDX(prod + i)] = bytes[i];
		xen_wmb();
		ring->req_prod = prod + chunk;
		bytes += chunk;
		length -= chunk;
	}
	evtchn_send(port);
}

/* Reads exactly `length` bytes of answer; 0 on success, -1 on time-out. */
static int ring_read(void *data, size_t length, uint64_t deadline)
{
	char *bytes = data;
	while (length) {
		XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
		xen_rmb();
		if (prod == cons) {
			if (clock_now_ns() >= deadline)
				return -1;
			evtchn_clear(port);
			if (ring->rsp_prod == cons)
				evtchn_poll_one(port, 10000000);
			continue;
		}
		size_t available = prod - cons;
		if (available > XENSTORE_RING_SIZE)
			kernel_crash("augur-uk: xenstore answer ring indices out of range (%u, %u)\n", cons, prod);
		size_t chunk = length < available ? length : available;
		for (size_t i = 0; i < chunk; i++)
			bytes[i] = ring->rsp[MASK_XENSTORE_IDX(cons + i)];
		xen_mb();
		ring->rsp_cons = cons + chunk;
		bytes += chunk;
		length -= chunk;
	}
	evtchn_send(port);
	return 0;
}

/* One request of two parts; the answer's payload lands in `answer` (NUL-terminated).
 * Returns the answer's type, or -1 on a time-out or an answer too long for `answer`. */
static int transact(uint32_t type, const char *first, size_t first_length, const char *second, size_t second_length,
		    char *answer, size_t answer_size)
{
	struct xsd_sockmsg header = { .type = type, .req_id = next_request_id++, .tx_id = 0,
				      .len = (uint32_t)(first_length + second_length) };
	if (header.len > XENSTORE_PAYLOAD_MAX)
		return -1;
	ring_write(&header, sizeof(header));
	ring_write(first, first_length);
	if (second_length)
		ring_write(second, second_length);
	uint64_t deadline = clock_now_ns() + XENSTORE_TIMEOUT_NS;
	for (;;) {
		struct xsd_sockmsg reply;
		if (ring_read(&reply, sizeof(reply), deadline) != 0 || reply.len > XENSTORE_PAYLOAD_MAX)
			return -1;
		char payload[XENSTORE_PAYLOAD_MAX + 1];
		if (ring_read(payload, reply.len, deadline) != 0)
			return -1;
		/* A watch event is not this request's answer. */
		if (reply.type == XS_WATCH_EVENT || reply.req_id != header.req_id)
			continue;
		if (reply.len >= answer_size)
			return -1;
		memcpy(answer, payload, reply.len);
		answer[reply.len] = '\0';
		return (int)reply.type;
	}
}

int xenstore_read(const char *path, char *value, size_t size)
{
	int type = transact(XS_READ, path, strlen(path) + 1, "", 0, value, size);
	return type == XS_READ ? 0 : -1;
}

int xenstore_write(const char *path, const char *value)
{
	char answer[16];
	int type = transact(XS_WRITE, path, strlen(path) + 1, value, strlen(value), answer, sizeof(answer));
	return type == XS_WRITE ? 0 : -1;
}
