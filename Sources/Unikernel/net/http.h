/* HTTP/1.1 for one object: the request parser and the connection's state as a value. The
 * transport (httpd.c on lwIP, or a test) feeds bytes in and sends what the value says; the
 * code here does no I/O, so the same logic runs in the kernel, on the host and under a fuzzer. */
#ifndef UK_HTTP_H
#define UK_HTTP_H
#include <stdint.h>
#include <stddef.h>

/* The longest request line (past it: 414) and header section (past it: 431). */
#define HTTP_LINE_MAX 2048
#define HTTP_HEAD_MAX 8192

/* What is served: GET/HEAD of /<name> (the object) and /ready. */
struct http_site {
	const char *name;
	size_t name_length;
	const uint8_t *object;
	size_t object_length;
};

/* One response: a head to copy, then a body that stays in place (the object or a constant). */
struct http_response {
	int status;
	char head[256];
	size_t head_length;
	const uint8_t *body;
	size_t body_length;
	/* Close the connection once this response is sent. */
	int close;
};

/* A connection's request side: bytes received and not yet parsed. */
struct http_connection {
	char input[HTTP_HEAD_MAX];
	size_t input_length;
	/* Bytes of a request body still to discard. */
	uint64_t discard;
	/* A response said close: nothing more is read. */
	int closed;
};

void http_connection_init(struct http_connection *connection);
/* Takes what fits of `data`; returns how many bytes were taken (all of them once closed:
 * they are discarded). A transport stops reading while this returns less than it offered. */
size_t http_connection_take(struct http_connection *connection, const uint8_t *data, size_t length);
/* The response to the next complete request, if one is buffered (1), or 0 when more bytes
 * are needed (or the connection is closed). A malformed or oversized request gets its error
 * response, which closes the connection. */
int http_connection_next(struct http_connection *connection, const struct http_site *site, struct http_response *response);
#endif
