/* The HTTP server on lwIP's raw TCP API: http.h's logic per connection, bodies sent from the
 * object in place at the pace of the peer's window. */
#ifndef UK_HTTPD_H
#define UK_HTTPD_H
#include "http.h"
#include <stdint.h>

/* Connections served at once; one more is refused (reset) until one ends. */
#define HTTPD_CONNECTIONS 128
/* A connection that makes no progress for this many seconds is closed. */
#define HTTPD_IDLE_SECONDS 30
/* How many poll ticks (2 s each) a closing connection waits for the peer to close too. */
#define HTTPD_LINGER_TICKS 2

/* Listens on `port` for `site`; 0 on success. */
int httpd_start(const struct http_site *site, uint16_t port);
/* Connections open now. */
int httpd_connections(void);
#endif
