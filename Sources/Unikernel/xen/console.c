/* Speaks the PV console ring (io/console.h): the domU's console page from start_info,
 * signalled on its event channel. console_io is refused to a domU on a release hypervisor. */
#include "hypervisor.h"
#include "console.h"
#include "events.h"
#include "format.h"
#include <xen/io/console.h>

static struct xencons_interface *ring;
static evtchn_port_t port;

/* Polls this many times, 1 ms each, for xenconsoled to make room before dropping output. */
#define CONSOLE_WAIT_ROUNDS 200

void console_init(void)
{
	ring = mfn_to_virt(start_info->console.domU.mfn);
	port = start_info->console.domU.evtchn;
}

static int wait_for_room(void)
{
	for (int round = 0; round < CONSOLE_WAIT_ROUNDS; round++) {
		if (ring->out_prod - ring->out_cons < sizeof(ring->out))
			return 1;
		evtchn_send(port);
		evtchn_clear(port);
		evtchn_poll_one(port, 1000000);
	}
	return 0;
}

void console_write(const char *text, size_t length)
{
	if (!ring)
		return;
	for (size_t i = 0; i < length; i++) {
		if (ring->out_prod - ring->out_cons >= sizeof(ring->out) && !wait_for_room())
			break;
		ring->out[MASK_XENCONS_IDX(ring->out_prod, ring->out)] = text[i];
		xen_wmb();
		ring->out_prod++;
	}
	evtchn_send(port);
}

void console_vprintf(const char *fmt, va_list arguments)
{
	char line[512];
	size_t length = format_v(line, sizeof(line), fmt, arguments);
	console_write(line, length);
}

void console_printf(const char *fmt, ...)
{
	va_list arguments;
	va_start(arguments, fmt);
	console_vprintf(fmt, arguments);
	va_end(arguments);
}

void console_flush(void)
{
	if (!ring)
		return;
	for (int round = 0; round < CONSOLE_WAIT_ROUNDS && ring->out_cons != ring->out_prod; round++) {
		evtchn_send(port);
		evtchn_clear(port);
		evtchn_poll_one(port, 1000000);
	}
}
