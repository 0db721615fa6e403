/* One lwIP netif over an Ethernet link (stack.h): static address, ARP, the default route
 * through the gateway when there is one. */
#include "stack.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "lwip/etharp.h"
#include "netif/ethernet.h"
#include <string.h>

static struct netif interface;
static uint8_t link_mac[6];
static netif_linkoutput_fn link_transmit;

static err_t link_init(struct netif *netif)
{
	netif->name[0] = 'x';
	netif->name[1] = 'n';
	netif->mtu = 1500;
	netif->hwaddr_len = 6;
	memcpy(netif->hwaddr, link_mac, 6);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	netif->output = etharp_output;
	netif->linkoutput = link_transmit;
	return ERR_OK;
}

void stack_start(const struct uk_config *config, const uint8_t mac[6], netif_linkoutput_fn transmit)
{
	ip4_addr_t address, netmask, gateway;
	uint32_t mask = config->prefix ? 0xffffffffu << (32 - config->prefix) : 0;
	memcpy(link_mac, mac, 6);
	link_transmit = transmit;
	lwip_init();
	IP4_ADDR(&address, config->address[0], config->address[1], config->address[2], config->address[3]);
	IP4_ADDR(&netmask, mask >> 24, (mask >> 16) & 0xff, (mask >> 8) & 0xff, mask & 0xff);
	if (config->has_gateway)
		IP4_ADDR(&gateway, config->gateway[0], config->gateway[1], config->gateway[2], config->gateway[3]);
	else
		ip4_addr_set_zero(&gateway);
	netif_add(&interface, &address, &netmask, &gateway, NULL, link_init, ethernet_input);
	netif_set_default(&interface);
	netif_set_up(&interface);
	netif_set_link_up(&interface);
}

void stack_input(const void *frame, size_t length, void *unused)
{
	(void)unused;
	if (length > 0xffff)
		return;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)length, PBUF_POOL);
	if (!p)
		return;
	if (pbuf_take(p, frame, (u16_t)length) != ERR_OK || interface.input(p, &interface) != ERR_OK)
		pbuf_free(p);
}

uint32_t stack_timers(void)
{
	sys_check_timeouts();
	return sys_timeouts_sleeptime();
}
