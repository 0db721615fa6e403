/* augur-uk's start of day and main loop: map what Xen handed over, read the instance's
 * settings from the command line, connect the vif, start lwIP and the HTTP server, then
 * poll the vif's event channel with lwIP's next timer as the time-out. */
#include "hypervisor.h"
#include "clock.h"
#include "console.h"
#include "events.h"
#include "gnttab.h"
#include "xenstore.h"
#include "netfront.h"
#include "../net/config.h"
#include "../net/stack.h"
#include "../net/httpd.h"
#include "lwip/pbuf.h"
#include <string.h>

extern const uint8_t uk_object_start[], uk_object_end[];
extern const char uk_object_name[];
void traps_init(void);

uint32_t sys_now(void)
{
	return (uint32_t)(clock_now_ns() / 1000000);
}

static uint64_t random_state;

unsigned int uk_random(void)
{
	/* xorshift64*, seeded from the clock: lwIP wants unpredictable ports and ISNs, not crypto. */
	random_state ^= random_state >> 12;
	random_state ^= random_state << 25;
	random_state ^= random_state >> 27;
	return (unsigned int)((random_state * 2685821657736338717ULL) >> 32);
}

void uk_print(const char *fmt, ...)
{
	va_list arguments;
	va_start(arguments, fmt);
	console_vprintf(fmt, arguments);
	va_end(arguments);
}

void uk_panic(const char *message, const char *file, int line)
{
	kernel_crash("augur-uk: assertion \"%s\" failed at %s:%d\n", message, file, line);
}

/* Milliseconds a frame may wait for a transmit slot. */
#define TX_WAIT_ROUNDS 50

static err_t transmit(struct netif *netif, struct pbuf *p)
{
	(void)netif;
	uint16_t slot;
	if (p->tot_len > NETFRONT_FRAME_MAX)
		return ERR_VAL;
	void *buffer = netfront_tx_buffer(&slot);
	/* Every slot in flight: netback frees them within microseconds, so wait a little for
	 * one rather than drop a segment TCP would only resend after a time-out. */
	for (int round = 0; !buffer && round < TX_WAIT_ROUNDS; round++) {
		evtchn_poll_one(netfront_port(), 1000000);
		buffer = netfront_tx_buffer(&slot);
	}
	if (!buffer)
		return ERR_MEM;
	pbuf_copy_partial(p, buffer, p->tot_len, 0);
	netfront_tx_commit(slot, p->tot_len);
	return ERR_OK;
}

static const struct http_site *site(void)
{
	static struct http_site site;
	site.name = uk_object_name;
	site.name_length = strlen(uk_object_name);
	site.object = uk_object_start;
	site.object_length = (size_t)(uk_object_end - uk_object_start);
	return &site;
}

void kernel_main(start_info_t *si)
{
	start_info = si;
	clock_init();
	console_init();
	traps_init();
	random_state = clock_now_ns() | 1;
	const struct http_site *served = site();
	console_printf("augur-uk: booting, %lu pages, object /%s of %lu bytes\n", (unsigned long)si->nr_pages, served->name,
		       (unsigned long)served->object_length);

	struct uk_config config;
	char command_line[MAX_GUEST_CMDLINE + 1];
	memcpy(command_line, si->cmd_line, MAX_GUEST_CMDLINE);
	command_line[MAX_GUEST_CMDLINE] = '\0';
	const char *problem = uk_config_parse(command_line, &config);
	if (problem)
		kernel_crash("augur-uk: bad command line: %s (command line: %s)\n", problem, command_line);

	gnttab_init();
	xenstore_init();
	uint8_t mac[6];
	netfront_init(mac);
	stack_start(&config, mac, transmit);
	if (httpd_start(served, config.port) != 0)
		kernel_crash("augur-uk: cannot listen on port %u\n", config.port);
	console_printf("augur-uk: serving /%s and /ready on %u.%u.%u.%u:%u (mac %02x:%02x:%02x:%02x:%02x:%02x)\n", served->name,
		       config.address[0], config.address[1], config.address[2], config.address[3], config.port, mac[0], mac[1],
		       mac[2], mac[3], mac[4], mac[5]);

	evtchn_port_t port = netfront_port();
	for (;;) {
		evtchn_clear(port);
		while (netfront_receive(stack_input, NULL) > 0)
			stack_timers();
		uint32_t wait_ms = stack_timers();
		if (netfront_has_input())
			continue;
		/* lwIP's timers are never further apart than a second; wake up at least that often. */
		if (wait_ms > 1000)
			wait_ms = 1000;
		evtchn_poll_one(port, (uint64_t)(wait_ms ? wait_ms : 1) * 1000000);
	}
}
