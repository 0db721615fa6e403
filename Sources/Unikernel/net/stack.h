/* lwIP brought up on one Ethernet link with the instance's address: what the kernel and the
 * host build share between their device and their HTTP server. */
#ifndef UK_STACK_H
#define UK_STACK_H
#include "config.h"
#include "lwip/netif.h"
#include <stddef.h>

/* Starts lwIP on a link whose frames leave through `transmit`. */
void stack_start(const struct uk_config *config, const uint8_t mac[6], netif_linkoutput_fn transmit);
/* Hands a received Ethernet frame to lwIP (copied). */
void stack_input(const void *frame, size_t length, void *unused);
/* Runs lwIP's timers; returns the milliseconds until the next one. */
uint32_t stack_timers(void);
#endif
