#define _GNU_SOURCE
#include "CUDPBatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct augur_udp_batch {
    unsigned capacity;
    unsigned received;
    size_t query_size;
    size_t reply_size;
    struct mmsghdr *queries;
    struct mmsghdr *replies;
    struct iovec *query_vectors;
    struct iovec *reply_vectors;
    struct sockaddr_storage *peers;
    size_t *reply_lengths;
    unsigned char *query_bytes;
    unsigned char *reply_bytes;
};

augur_udp_batch *augur_udp_batch_create(unsigned capacity, size_t query_size, size_t reply_size) {
    augur_udp_batch *batch = calloc(1, sizeof *batch);
    if (!batch) return NULL;
    batch->capacity = capacity;
    batch->query_size = query_size;
    batch->reply_size = reply_size;
    batch->queries = calloc(capacity, sizeof *batch->queries);
    batch->replies = calloc(capacity, sizeof *batch->replies);
    batch->query_vectors = calloc(capacity, sizeof *batch->query_vectors);
    batch->reply_vectors = calloc(capacity, sizeof *batch->reply_vectors);
    batch->peers = calloc(capacity, sizeof *batch->peers);
    batch->reply_lengths = calloc(capacity, sizeof *batch->reply_lengths);
    batch->query_bytes = malloc(capacity * query_size);
    batch->reply_bytes = malloc(capacity * reply_size);
    if (!batch->queries || !batch->replies || !batch->query_vectors || !batch->reply_vectors ||
        !batch->peers || !batch->reply_lengths || !batch->query_bytes || !batch->reply_bytes) {
        augur_udp_batch_destroy(batch);
        return NULL;
    }
    return batch;
}

void augur_udp_batch_destroy(augur_udp_batch *batch) {
    if (!batch) return;
    free(batch->queries);
    free(batch->replies);
    free(batch->query_vectors);
    free(batch->reply_vectors);
    free(batch->peers);
    free(batch->reply_lengths);
    free(batch->query_bytes);
    free(batch->reply_bytes);
    free(batch);
}

int augur_udp_batch_receive(augur_udp_batch *batch, int fd) {
    for (unsigned i = 0; i < batch->capacity; i++) {
        batch->query_vectors[i].iov_base = batch->query_bytes + (size_t)i * batch->query_size;
        batch->query_vectors[i].iov_len = batch->query_size;
        memset(&batch->queries[i].msg_hdr, 0, sizeof batch->queries[i].msg_hdr);
        batch->queries[i].msg_hdr.msg_name = &batch->peers[i];
        batch->queries[i].msg_hdr.msg_namelen = sizeof batch->peers[i];
        batch->queries[i].msg_hdr.msg_iov = &batch->query_vectors[i];
        batch->queries[i].msg_hdr.msg_iovlen = 1;
        batch->reply_lengths[i] = 0;
    }
    batch->received = 0;
    int count = recvmmsg(fd, batch->queries, batch->capacity, MSG_WAITFORONE, NULL);
    if (count < 0) return -errno;
    batch->received = (unsigned)count;
    return count;
}

const unsigned char *augur_udp_batch_query(const augur_udp_batch *batch, unsigned index, size_t *length) {
    if (index >= batch->received) { *length = 0; return NULL; }
    /* A datagram longer than the buffer arrives cut (MSG_TRUNC): report it as such, never past the buffer. */
    size_t received = batch->queries[index].msg_len;
    *length = received < batch->query_size ? received : batch->query_size;
    return batch->query_bytes + (size_t)index * batch->query_size;
}

const void *augur_udp_batch_peer(const augur_udp_batch *batch, unsigned index) {
    if (index >= batch->received) return NULL;
    return &batch->peers[index];
}

unsigned char *augur_udp_batch_reply(augur_udp_batch *batch, unsigned index, size_t *capacity) {
    if (index >= batch->received) { *capacity = 0; return NULL; }
    *capacity = batch->reply_size;
    return batch->reply_bytes + (size_t)index * batch->reply_size;
}

void augur_udp_batch_set_reply_length(augur_udp_batch *batch, unsigned index, size_t length) {
    if (index < batch->received) batch->reply_lengths[index] = length <= batch->reply_size ? length : 0;
}

int augur_udp_batch_send(augur_udp_batch *batch, int fd) {
    unsigned pending = 0;
    for (unsigned i = 0; i < batch->received; i++) {
        if (batch->reply_lengths[i] == 0) continue;
        batch->reply_vectors[pending].iov_base = batch->reply_bytes + (size_t)i * batch->reply_size;
        batch->reply_vectors[pending].iov_len = batch->reply_lengths[i];
        memset(&batch->replies[pending].msg_hdr, 0, sizeof batch->replies[pending].msg_hdr);
        batch->replies[pending].msg_hdr.msg_name = &batch->peers[i];
        batch->replies[pending].msg_hdr.msg_namelen = batch->queries[i].msg_hdr.msg_namelen;
        batch->replies[pending].msg_hdr.msg_iov = &batch->reply_vectors[pending];
        batch->replies[pending].msg_hdr.msg_iovlen = 1;
        pending++;
    }
    unsigned sent = 0, next = 0;
    while (next < pending) {
        int count = sendmmsg(fd, batch->replies + next, pending - next, 0);
        if (count < 0) {
            if (errno == EINTR) continue;
            next++; /* this reply cannot go out (e.g. its peer is unreachable): drop it, go on */
            continue;
        }
        sent += (unsigned)count;
        next += (unsigned)count;
    }
    return (int)sent;
}
