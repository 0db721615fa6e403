/* Drives http.h's connection values from lwIP's raw TCP callbacks: received pbufs are taken
 * as far as the request buffer has room (the rest is held, unacknowledged, so the window
 * closes on a client that pipelines faster than it reads), responses are queued as far as
 * the send buffer allows and continued from the sent callback. */
#include "httpd.h"
#include "lwip/tcp.h"
#include "lwip/pbuf.h"
#include <string.h>

struct connection {
	struct tcp_pcb *pcb;
	struct http_connection http;
	struct http_response response;
	int responding;
	size_t head_sent, body_sent;
	/* Received and not yet taken by `http`. */
	struct pbuf *held;
	/* The peer sent FIN. */
	int peer_done;
	/* Poll ticks (2 s each) without progress. */
	int idle_ticks;
	/* The last response is sent and our side shut: what still arrives is read and dropped
	 * until the peer closes too (or HTTPD_LINGER_TICKS pass), so that closing never resets a
	 * connection whose client is still sending and has not read the response yet. */
	int lingering;
	int used;
};

static struct connection connections[HTTPD_CONNECTIONS];
static const struct http_site *served;
static int open_count;

int httpd_connections(void)
{
	return open_count;
}

static void release(struct connection *c)
{
	if (c->held)
		pbuf_free(c->held);
	c->held = NULL;
	c->pcb = NULL;
	c->used = 0;
	open_count--;
}

static void detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

/* Ends the connection: a FIN after what is queued, or a reset when lwIP has no room for
 * one (then ERR_ABRT, which a callback must return). */
static err_t finish(struct connection *c)
{
	struct tcp_pcb *pcb = c->pcb;
	detach(pcb);
	release(c);
	if (tcp_close(pcb) == ERR_OK)
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

static void take_input(struct connection *c)
{
	while (c->held) {
		struct pbuf *p = c->held;
		size_t taken = http_connection_take(&c->http, p->payload, p->len);
		if (taken == 0)
			return;
		tcp_recved(c->pcb, (u16_t)taken);
		c->held = pbuf_free_header(p, (u16_t)taken);
	}
}

/* Queues what fits of the current response; returns 1 when all of it is queued. */
static int queue_response(struct connection *c)
{
	struct tcp_pcb *pcb = c->pcb;
	struct http_response *r = &c->response;
	while (c->head_sent < r->head_length) {
		size_t room = tcp_sndbuf(pcb);
		size_t chunk = r->head_length - c->head_sent;
		if (chunk > room)
			chunk = room;
		if (chunk == 0)
			return 0;
		u8_t flags = TCP_WRITE_FLAG_COPY | (r->body_length ? TCP_WRITE_FLAG_MORE : 0);
		if (tcp_write(pcb, r->head + c->head_sent, (u16_t)chunk, flags) != ERR_OK)
			return 0;
		c->head_sent += chunk;
	}
	while (c->body_sent < r->body_length) {
		size_t room = tcp_sndbuf(pcb);
		size_t chunk = r->body_length - c->body_sent;
		if (chunk > room)
			chunk = room;
		if (chunk > 0xffff)
			chunk = 0xffff;
		if (chunk == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN)
			return 0;
		u8_t flags = c->body_sent + chunk < r->body_length ? TCP_WRITE_FLAG_MORE : 0;
		/* The body stays where it is (the object is static): no copy. */
		if (tcp_write(pcb, r->body + c->body_sent, (u16_t)chunk, flags) != ERR_OK)
			return 0;
		c->body_sent += chunk;
	}
	return 1;
}

/* Shuts our side after the queued response and lingers (see `lingering`). */
static err_t linger(struct connection *c)
{
	c->lingering = 1;
	c->idle_ticks = 0;
	tcp_output(c->pcb);
	if (tcp_shutdown(c->pcb, 0, 1) != ERR_OK)
		return finish(c);
	return ERR_OK;
}

/* Moves the connection on as far as it can go; ERR_ABRT when it was aborted. */
static err_t advance(struct connection *c)
{
	if (c->lingering) {
		take_input(c);
		return c->peer_done ? finish(c) : ERR_OK;
	}
	for (;;) {
		take_input(c);
		if (!c->responding) {
			if (!http_connection_next(&c->http, served, &c->response))
				break;
			c->responding = 1;
			c->head_sent = c->body_sent = 0;
		}
		if (!queue_response(c))
			break;
		c->responding = 0;
		if (c->response.close)
			return linger(c);
	}
	tcp_output(c->pcb);
	if (c->peer_done && !c->responding)
		return finish(c);
	return ERR_OK;
}

static err_t on_receive(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct connection *c = arg;
	(void)pcb;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (err != ERR_OK && p) {
		pbuf_free(p);
		return ERR_OK;
	}
	/* Bytes from a peer we no longer read do not keep the connection open. */
	if (!c->lingering)
		c->idle_ticks = 0;
	if (!p)
		c->peer_done = 1;
	else if (c->held)
		pbuf_cat(c->held, p);
	else
		c->held = p;
	return advance(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t length)
{
	struct connection *c = arg;
	(void)pcb;
	(void)length;
	if (!c)
		return ERR_OK;
	c->idle_ticks = 0;
	return advance(c);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct connection *c = arg;
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	/* A lingering connection whose response is all acknowledged waits the linger bound;
	 * anything else, the idle bound, which every acknowledgement restarts. */
	int delivered = !pcb->unsent && !pcb->unacked;
	int limit = c->lingering && delivered ? HTTPD_LINGER_TICKS : HTTPD_IDLE_SECONDS / 2;
	if (++c->idle_ticks >= limit) {
		detach(pcb);
		release(c);
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	return advance(c);
}

/* lwIP freed the pcb (reset by the peer, or retransmissions gave up). */
static void on_error(void *arg, err_t err)
{
	struct connection *c = arg;
	(void)err;
	if (c)
		release(c);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct connection *c = NULL;
	for (int i = 0; i < HTTPD_CONNECTIONS && !c; i++)
		if (!connections[i].used)
			c = &connections[i];
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->pcb = pcb;
	http_connection_init(&c->http);
	open_count++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_receive);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_error);
	tcp_poll(pcb, on_poll, 4);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

int httpd_start(const struct http_site *site, uint16_t port)
{
	served = site;
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb)
		return -1;
	if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		tcp_close(pcb);
		return -1;
	}
	struct tcp_pcb *listener = tcp_listen_with_backlog(pcb, 255);
	if (!listener) {
		tcp_close(pcb);
		return -1;
	}
	tcp_accept(listener, on_accept);
	return 0;
}
