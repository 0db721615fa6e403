/* Checks http.c, config.c and format.c on the host (make check), under AddressSanitizer:
 * well-formed, malformed, oversized, slow (a byte at a time) and pipelined requests, and
 * the kernel command line. Prints one line per failed check and "N passed, N failed". */
#include "http.h"
#include "config.h"
#include "format.h"
#include <stdio.h>
#include <string.h>

static int passed, failed;

#define CHECK(condition, ...)                                              \
	do {                                                               \
		if (condition) {                                           \
			passed++;                                          \
		} else {                                                   \
			failed++;                                          \
			printf("FAILED %s:%d: ", __FILE__, __LINE__);      \
			printf(__VA_ARGS__);                               \
			printf("\n");                                      \
		}                                                          \
	} while (0)

static const uint8_t object[] = "0123456789";
static const struct http_site site = { "video1", 6, object, 10 };

/* Feeds `text` in pieces of `step` bytes and collects the statuses of the responses. */
static int run(const char *text, size_t length, size_t step, int *statuses, int most, struct http_response *last)
{
	static struct http_connection connection;
	http_connection_init(&connection);
	int count = 0;
	size_t at = 0;
	while (at < length || count < most) {
		size_t piece = length - at < step ? length - at : step;
		size_t taken = http_connection_take(&connection, (const uint8_t *)text + at, piece);
		at += taken;
		struct http_response response;
		int progressed = 0;
		while (count < most && http_connection_next(&connection, &site, &response)) {
			statuses[count++] = response.status;
			*last = response;
			progressed = 1;
		}
		if (!progressed && taken == 0)
			break;
		if (at >= length && !progressed)
			break;
	}
	return count;
}

static int status_of(const char *text, struct http_response *response)
{
	int statuses[4] = { 0 };
	int count = run(text, strlen(text), 4096, statuses, 1, response);
	return count ? statuses[0] : 0;
}

static int has(const struct http_response *response, const char *text)
{
	return strstr(response->head, text) != NULL;
}

static void requests(void)
{
	struct http_response r;
	CHECK(status_of("GET /video1 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 200 && r.body == object && r.body_length == 10 &&
		      has(&r, "Content-Length: 10\r\n") && has(&r, "Connection: keep-alive") && !r.close,
	      "GET of the object");
	CHECK(status_of("HEAD /video1 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 200 && r.body_length == 0 && has(&r, "Content-Length: 10\r\n"),
	      "HEAD: the length, no body");
	CHECK(status_of("GET /ready HTTP/1.0\r\n\r\n", &r) == 200 && r.close && has(&r, "Connection: close") && r.body_length == 6,
	      "HTTP/1.0 closes by default");
	CHECK(status_of("GET /ready HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) == 200 && !r.close, "HTTP/1.0 keep-alive");
	CHECK(status_of("GET /video1 HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &r) == 200 && r.close, "Connection: close in a list");
	CHECK(status_of("GET /video1?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 200, "a query is ignored");
	CHECK(status_of("GET http://edge/video1 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 200, "absolute-form");
	CHECK(status_of("GET /video10 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 404 && !r.close, "a longer name is not the object");
	CHECK(status_of("GET /video HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 404, "a prefix is not the object");
	CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 404, "/ is not served");
	CHECK(status_of("POST /video1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", &r) == 405 && has(&r, "Allow: GET, HEAD"),
	      "POST: 405 with Allow");
	CHECK(status_of("\r\n\r\nGET /ready HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 200, "empty lines before the request line");
	CHECK(status_of("GET /ready HTTP/1.1\nHost: a\n\n", &r) == 200, "bare LF line endings");
	CHECK(status_of("GET /ready HTTP/1.1\r\nHost:a\r\nX-Empty:\r\n\r\n", &r) == 200, "no space after the colon, an empty value");
}

static void malformed(void)
{
	struct http_response r;
	const char *bad[] = {
		"GET /ready HTTP/1.1\r\n\r\n",                             /* no Host */
		"GET /ready HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",        /* two Hosts */
		"GET  /ready HTTP/1.1\r\nHost: a\r\n\r\n",                  /* two spaces */
		"GET /ready\r\nHost: a\r\n\r\n",                            /* HTTP/0.9 */
		"GET /ready HTTP/1.1 \r\nHost: a\r\n\r\n",                  /* trailing space */
		"GET ready HTTP/1.1\r\nHost: a\r\n\r\n",                    /* not origin-form */
		"G(T /ready HTTP/1.1\r\nHost: a\r\n\r\n",                   /* not a token */
		"GET /ready HTTP/1.1\r\nHost : a\r\n\r\n",                  /* space before the colon */
		"GET /ready HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",        /* obs-fold */
		"GET /ready HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
		"GET /ready HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
		"GET /ready HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET /ready HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"GET /ready HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /re\rady HTTP/1.1\r\nHost: a\r\n\r\n",                 /* a bare CR */
		"GET /ready HTTP/1.1\r\nHost: a\x01\r\n\r\n",               /* a control character */
		"GET /ready HTTP/x.1\r\nHost: a\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = status_of(bad[i], &r);
		CHECK(status == 400 && r.close, "malformed request %zu answered %d, not 400 and close", i, status);
	}
	CHECK(status_of("GET /ready HTTP/2.0\r\nHost: a\r\n\r\n", &r) == 505 && r.close, "HTTP/2.0 over HTTP/1 framing: 505");
}

static void oversized(void)
{
	static char text[3 * HTTP_HEAD_MAX];
	struct http_response r;
	memset(text, 'a', sizeof(text) - 1);
	memcpy(text, "GET /", 5);
	text[sizeof(text) - 1] = '\0';
	CHECK(status_of(text, &r) == 414 && r.close, "a request line past HTTP_LINE_MAX with no end: 414");
	int length = snprintf(text, sizeof(text), "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_LINE_MAX, 0);
	CHECK(length > 0 && status_of(text, &r) == 414, "a whole request line past HTTP_LINE_MAX: 414");
	int at = snprintf(text, sizeof(text), "GET /ready HTTP/1.1\r\nHost: a\r\n");
	while (at < (int)sizeof(text) - 64)
		at += snprintf(text + at, sizeof(text) - (size_t)at, "X-Filler: %040d\r\n", at);
	CHECK(status_of(text, &r) == 431 && r.close, "a header section past HTTP_HEAD_MAX: 431");
}

static void slow_and_pipelined(void)
{
	const char *three = "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n"
			    "HEAD /video1 HTTP/1.1\r\nHost: a\r\n\r\n"
			    "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
			    "GET /video1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
			    "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n";
	int statuses[8];
	struct http_response last;
	for (size_t step = 1; step <= 64; step *= 4) {
		memset(statuses, 0, sizeof(statuses));
		int count = run(three, strlen(three), step, statuses, 8, &last);
		CHECK(count == 4 && statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 405 && statuses[3] == 200 && last.close,
		      "pipelined in pieces of %zu: %d responses (%d %d %d %d)", step, count, statuses[0], statuses[1], statuses[2], statuses[3]);
	}
	/* A body that arrives after its head, in pieces, is discarded before the next request. */
	static struct http_connection c;
	http_connection_init(&c);
	struct http_response r;
	const char *head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab";
	http_connection_take(&c, (const uint8_t *)head, strlen(head));
	CHECK(http_connection_next(&c, &site, &r) == 1 && r.status == 405, "POST head");
	http_connection_take(&c, (const uint8_t *)"cdef", 4);
	const char *next = "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n";
	http_connection_take(&c, (const uint8_t *)next, strlen(next));
	CHECK(http_connection_next(&c, &site, &r) == 1 && r.status == 200 && r.body_length == 6, "the request after a body in pieces");
	CHECK(http_connection_next(&c, &site, &r) == 0, "nothing more");
	/* A full buffer takes no more until a request leaves it. */
	http_connection_init(&c);
	static char many[HTTP_HEAD_MAX * 2];
	size_t at = 0;
	while (at + strlen(next) < sizeof(many))
		at += (size_t)snprintf(many + at, sizeof(many) - at, "%s", next);
	size_t taken = http_connection_take(&c, (const uint8_t *)many, at);
	CHECK(taken == HTTP_HEAD_MAX, "a full buffer stops taking (%zu)", taken);
	CHECK(http_connection_next(&c, &site, &r) == 1 && r.status == 200, "and still answers what it holds");
	CHECK(http_connection_take(&c, (const uint8_t *)many + taken, at - taken) == strlen(next), "then takes what left room");
}

static void command_lines(void)
{
	struct uk_config c;
	CHECK(uk_config_parse("console=hvc0 augur.address=10.220.0.70/24 augur.port=8080 augur.gateway=10.220.0.1", &c) == NULL &&
		      c.address[0] == 10 && c.address[3] == 70 && c.prefix == 24 && c.port == 8080 && c.has_gateway && c.gateway[3] == 1,
	      "the xen driver's command line");
	CHECK(uk_config_parse("augur.address=10.0.0.2/8 augur.port=1", &c) == NULL && !c.has_gateway, "no gateway");
	const char *bad[] = {
		"augur.port=8080",
		"augur.address=10.0.0.2/24",
		"augur.address=10.0.0.2 augur.port=80",
		"augur.address=10.0.0.256/24 augur.port=80",
		"augur.address=10.0.0/24 augur.port=80",
		"augur.address=10.0.0.2/33 augur.port=80",
		"augur.address=10.0.0.2/24x augur.port=80",
		"augur.address=10.0.0.2/24 augur.port=0",
		"augur.address=10.0.0.2/24 augur.port=65536",
		"augur.address=10.0.0.2/24 augur.port=80 augur.gateway=1.2.3",
		"augur.address=10.0.0.2/24 augur.port=80 augur.port=81",
		"augur.address=10.0.0.2/24 augur.port=80 augur.adress=1",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(uk_config_parse(bad[i], &c) != NULL, "command line %zu (%s) was accepted", i, bad[i]);
	CHECK(strstr(uk_config_parse("augur.port=80", &c), "augur.address") != NULL, "the message names the key");
}

static void formatting(void)
{
	char out[64];
	format(out, sizeof(out), "%s=%d %u %x %05d %-3s| %lu %p %c%%", "a", -12, 7u, 255u, 42, "b", 1234567890123ul, (void *)0x10, 'z');
	CHECK(!strcmp(out, "a=-12 7 ff 00042 b  | 1234567890123 0x10 z%"), "formatting: '%s'", out);
	size_t length = format(out, 8, "%s", "0123456789");
	CHECK(length == 7 && !strcmp(out, "0123456"), "truncation: '%s'", out);
}

int main(void)
{
	requests();
	malformed();
	oversized();
	slow_and_pipelined();
	command_lines();
	formatting();
	printf("http-check: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
