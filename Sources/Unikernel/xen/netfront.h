/* The Xen network frontend (io/netif.h): one vif, rx-copy, no scatter-gather or offloads. */
#ifndef UK_NETFRONT_H
#define UK_NETFRONT_H
#include <stdint.h>
#include <stddef.h>

/* Connects device/vif/0 to its backend and reads its MAC; crashes with a console message
 * when the backend cannot be reached. */
void netfront_init(uint8_t mac[6]);
uint32_t netfront_port(void);
/* A transmit buffer of `NETFRONT_FRAME_MAX` bytes, or NULL when every slot is in flight. */
#define NETFRONT_FRAME_MAX 1514
void *netfront_tx_buffer(uint16_t *slot);
/* Sends the frame written into `slot`'s buffer. */
void netfront_tx_commit(uint16_t slot, size_t length);
/* Hands every received frame to `deliver`, then gives its buffer back to the backend;
 * returns the number of frames. */
typedef void (*netfront_deliver)(const void *frame, size_t length, void *context);
int netfront_receive(netfront_deliver deliver, void *context);
/* Responses wait on the receive ring. */
int netfront_has_input(void);
#endif
