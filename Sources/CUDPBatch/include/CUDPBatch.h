#ifndef AUGUR_CUDPBATCH_H
#define AUGUR_CUDPBATCH_H
/*
 * Batched UDP for the DNS balancer: receive up to `capacity` datagrams with one recvmmsg,
 * reply to each from its own buffer, send every reply with one sendmmsg.
 * Linux only; Swift's Glibc module does not expose struct mmsghdr, hence this small shim.
 */
#include <stddef.h>

typedef struct augur_udp_batch augur_udp_batch;

/* Buffers for `capacity` datagrams of up to `query_size` bytes and replies of up to `reply_size`. NULL if out of memory. */
augur_udp_batch *augur_udp_batch_create(unsigned capacity, size_t query_size, size_t reply_size);
void augur_udp_batch_destroy(augur_udp_batch *batch);

/* Waits for at least one datagram (or the socket's receive timeout) and takes as many as are queued.
 * Returns how many arrived, or -errno. Every reply length is reset to 0 (no reply). */
int augur_udp_batch_receive(augur_udp_batch *batch, int fd);

/* Datagram `index` of the last receive and its length. */
const unsigned char *augur_udp_batch_query(const augur_udp_batch *batch, unsigned index, size_t *length);

/* The address datagram `index` came from (a struct sockaddr_storage), or NULL. */
const void *augur_udp_batch_peer(const augur_udp_batch *batch, unsigned index);

/* The reply buffer for datagram `index` (reply_size bytes), and how much of it to send (0: nothing). */
unsigned char *augur_udp_batch_reply(augur_udp_batch *batch, unsigned index, size_t *capacity);
void augur_udp_batch_set_reply_length(augur_udp_batch *batch, unsigned index, size_t length);

/* Sends every reply with a length to the address its datagram came from.
 * A reply the kernel refuses is skipped, never retried. Returns how many were sent. */
int augur_udp_batch_send(augur_udp_batch *batch, int fd);

#endif
