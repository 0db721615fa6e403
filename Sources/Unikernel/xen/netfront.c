/* Speaks the netif protocol (io/netif.h, io/ring.h, io/xenbus.h) to dom0's netback: shared
 * tx/rx rings and one event channel announced in xenstore, rx by copy into pages granted
 * once, tx from pages granted once. Every response's id and length is checked before use. */
#include "hypervisor.h"
#include "netfront.h"
#include "events.h"
#include "gnttab.h"
#include "xenstore.h"
#include "clock.h"
#include "format.h"
#include "console.h"
#include <string.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#define TX_SLOTS __CONST_RING_SIZE(netif_tx, PAGE_SIZE)
#define RX_SLOTS __CONST_RING_SIZE(netif_rx, PAGE_SIZE)
/* How long the backend may take to reach a state. */
#define BACKEND_TIMEOUT_NS 30000000000ULL

static char tx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char rx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char tx_pages[TX_SLOTS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char rx_pages[RX_SLOTS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static grant_ref_t tx_grants[TX_SLOTS], rx_grants[RX_SLOTS];

static netif_tx_front_ring_t tx;
static netif_rx_front_ring_t rx;
static evtchn_port_t port;
static domid_t backend_id;
static char backend[128];

/* Free transmit slots, as a stack; tx_in_flight marks the ones the backend holds. */
static uint16_t tx_free[TX_SLOTS];
static unsigned tx_free_count;
static uint8_t tx_in_flight[TX_SLOTS];

uint32_t netfront_port(void)
{
	return port;
}

static void write_key(const char *key, const char *value)
{
	char path[64];
	format(path, sizeof(path), "device/vif/0/%s", key);
	if (xenstore_write(path, value) != 0)
		kernel_crash("augur-uk: netfront: cannot write %s\n", path);
}

static void write_number(const char *key, unsigned long value)
{
	char text[24];
	format(text, sizeof(text), "%lu", value);
	write_key(key, text);
}

static int backend_state(void)
{
	char path[160], value[16];
	format(path, sizeof(path), "%s/state", backend);
	if (xenstore_read(path, value, sizeof(value)) != 0)
		return -1;
	int state = 0;
	for (const char *c = value; *c >= '0' && *c <= '9'; c++)
		state = state * 10 + (*c - '0');
	return state;
}

static void wait_for_backend(int wanted)
{
	uint64_t deadline = clock_now_ns() + BACKEND_TIMEOUT_NS;
	int state;
	while ((state = backend_state()) != wanted) {
		if (state == XenbusStateClosing || state == XenbusStateClosed || clock_now_ns() >= deadline)
			kernel_crash("augur-uk: netfront: backend %s is in state %d, not %d\n", backend, state, wanted);
		kernel_sleep(10000000);
	}
}

static int parse_mac(const char *text, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int value = 0;
		for (int digit = 0; digit < 2; digit++, text++) {
			char c = *text;
			int nibble = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (nibble < 0)
				return -1;
			value = value * 16 + nibble;
		}
		mac[i] = (uint8_t)value;
		if (i < 5 && *text++ != ':')
			return -1;
	}
	return *text ? -1 : 0;
}

static void post_rx(uint16_t slot)
{
	netif_rx_request_t *request = RING_GET_REQUEST(&rx, rx.req_prod_pvt);
	request->id = slot;
	request->gref = rx_grants[slot];
	rx.req_prod_pvt++;
}

void netfront_init(uint8_t mac[6])
{
	char value[64];
	if (xenstore_read("device/vif/0/backend", backend, sizeof(backend)) != 0)
		kernel_crash("augur-uk: netfront: no device/vif/0 in xenstore (the domain has no vif)\n");
	if (xenstore_read("device/vif/0/backend-id", value, sizeof(value)) != 0)
		kernel_crash("augur-uk: netfront: device/vif/0 has no backend-id\n");
	backend_id = 0;
	for (const char *c = value; *c >= '0' && *c <= '9'; c++)
		backend_id = (domid_t)(backend_id * 10 + (*c - '0'));
	if (xenstore_read("device/vif/0/mac", value, sizeof(value)) != 0 || parse_mac(value, mac) != 0)
		kernel_crash("augur-uk: netfront: device/vif/0/mac is missing or malformed\n");

	netif_tx_sring_t *tx_shared = (netif_tx_sring_t *)tx_ring_page;
	netif_rx_sring_t *rx_shared = (netif_rx_sring_t *)rx_ring_page;
	SHARED_RING_INIT(tx_shared);
	SHARED_RING_INIT(rx_shared);
	FRONT_RING_INIT(&tx, tx_shared, PAGE_SIZE);
	FRONT_RING_INIT(&rx, rx_shared, PAGE_SIZE);
	grant_ref_t tx_ref = gnttab_grant(backend_id, tx_ring_page, 0);
	grant_ref_t rx_ref = gnttab_grant(backend_id, rx_ring_page, 0);
	for (unsigned i = 0; i < TX_SLOTS; i++) {
		tx_grants[i] = gnttab_grant(backend_id, tx_pages[i], 1);
		tx_free[i] = (uint16_t)(TX_SLOTS - 1 - i);
	}
	tx_free_count = TX_SLOTS;
	for (unsigned i = 0; i < RX_SLOTS; i++) {
		rx_grants[i] = gnttab_grant(backend_id, rx_pages[i], 0);
		post_rx((uint16_t)i);
	}
	if (evtchn_alloc_unbound(backend_id, &port) != 0)
		kernel_crash("augur-uk: netfront: cannot allocate an event channel for domain %u\n", backend_id);

	wait_for_backend(XenbusStateInitWait);
	write_number("tx-ring-ref", tx_ref);
	write_number("rx-ring-ref", rx_ref);
	write_number("event-channel", port);
	write_key("request-rx-copy", "1");
	write_key("feature-rx-notify", "1");
	write_key("feature-no-csum-offload", "1");
	write_key("feature-sg", "0");
	write_key("feature-gso-tcpv4", "0");
	write_number("state", XenbusStateConnected);
	wait_for_backend(XenbusStateConnected);

	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rx, notify);
	if (notify)
		evtchn_send(port);
}

/* Takes back the slots whose frames the backend has sent. */
static void reclaim_tx(void)
{
	int more;
	do {
		RING_IDX end = tx.sring->rsp_prod;
		xen_rmb();
		if (end - tx.rsp_cons > TX_SLOTS)
			kernel_crash("augur-uk: netfront: tx response index %u out of range (consumed %u)\n", end, tx.rsp_cons);
		for (; tx.rsp_cons != end; tx.rsp_cons++) {
			netif_tx_response_t *response = RING_GET_RESPONSE(&tx, tx.rsp_cons);
			if (response->status == NETIF_RSP_NULL)
				continue;
			uint16_t slot = response->id;
			if (slot >= TX_SLOTS || !tx_in_flight[slot])
				kernel_crash("augur-uk: netfront: tx response for slot %u not in flight\n", slot);
			tx_in_flight[slot] = 0;
			tx_free[tx_free_count++] = slot;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&tx, more);
	} while (more);
}

void *netfront_tx_buffer(uint16_t *slot)
{
	if (tx_free_count == 0)
		reclaim_tx();
	if (tx_free_count == 0 || RING_FULL(&tx))
		return NULL;
	*slot = tx_free[--tx_free_count];
	return tx_pages[*slot];
}

void netfront_tx_commit(uint16_t slot, size_t length)
{
	netif_tx_request_t *request = RING_GET_REQUEST(&tx, tx.req_prod_pvt);
	request->gref = tx_grants[slot];
	request->offset = 0;
	request->flags = 0;
	request->id = slot;
	request->size = (uint16_t)length;
	tx_in_flight[slot] = 1;
	tx.req_prod_pvt++;
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&tx, notify);
	if (notify)
		evtchn_send(port);
}

int netfront_receive(netfront_deliver deliver, void *context)
{
	int frames = 0, more;
	reclaim_tx();
	do {
		RING_IDX end = rx.sring->rsp_prod;
		xen_rmb();
		if (end - rx.rsp_cons > RX_SLOTS)
			kernel_crash("augur-uk: netfront: rx response index %u out of range (consumed %u)\n", end, rx.rsp_cons);
		for (; rx.rsp_cons != end; rx.rsp_cons++) {
			netif_rx_response_t *response = RING_GET_RESPONSE(&rx, rx.rsp_cons);
			uint16_t slot = response->id;
			if (slot >= RX_SLOTS)
				kernel_crash("augur-uk: netfront: rx response for slot %u\n", slot);
			int16_t status = response->status;
			/* A frame that does not fit its page, or a multi-slot one (no feature-sg), is dropped. */
			if (status > 0 && response->offset + (size_t)status <= PAGE_SIZE && !(response->flags & (NETRXF_more_data | NETRXF_extra_info))) {
				deliver(rx_pages[slot] + response->offset, (size_t)status, context);
				frames++;
			}
			post_rx(slot);
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&rx, more);
	} while (more);
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rx, notify);
	if (notify)
		evtchn_send(port);
	return frames;
}

int netfront_has_input(void)
{
	return RING_HAS_UNCONSUMED_RESPONSES(&rx);
}
