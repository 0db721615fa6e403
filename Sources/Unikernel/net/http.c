/* The request parser and response builder behind http.h (RFC 9112 message syntax, origin
 * server side). Every length is checked against the buffer before a byte is read; nothing
 * here allocates, traps or depends on where the bytes came from. */
#include "http.h"
#include <string.h>

enum { METHOD_GET, METHOD_HEAD, METHOD_OTHER };

struct request {
	int method;
	const char *target;
	size_t target_length;
	int minor_version;
	int wants_close;
	int wants_keep_alive;
	int hosts;
	int has_length;
	uint64_t content_length;
};

static const uint8_t ready_body[] = "ready\n";

void http_connection_init(struct http_connection *connection)
{
	connection->input_length = 0;
	connection->discard = 0;
	connection->closed = 0;
}

size_t http_connection_take(struct http_connection *connection, const uint8_t *data, size_t length)
{
	if (connection->closed)
		return length;
	size_t taken = 0;
	if (connection->discard) {
		taken = connection->discard < length ? (size_t)connection->discard : length;
		connection->discard -= taken;
	}
	size_t room = sizeof(connection->input) - connection->input_length;
	size_t copied = length - taken < room ? length - taken : room;
	memcpy(connection->input + connection->input_length, data + taken, copied);
	connection->input_length += copied;
	return taken + copied;
}

/* RFC 9110 tchar. */
static int is_token_char(char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int equals_folded(const char *text, size_t length, const char *word)
{
	size_t i = 0;
	for (; i < length && word[i]; i++)
		if (lower(text[i]) != word[i])
			return 0;
	return i == length && !word[i];
}

static size_t put_text(char *out, size_t at, size_t size, const char *text)
{
	while (*text && at + 1 < size)
		out[at++] = *text++;
	return at;
}

static size_t put_number(char *out, size_t at, size_t size, uint64_t value)
{
	char digits[24];
	size_t count = 0;
	do {
		digits[count++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	while (count && at + 1 < size)
		out[at++] = digits[--count];
	return at;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static void respond(struct http_response *response, int status, const uint8_t *body, size_t body_length, int head_only,
		    int close, const char *type)
{
	char *out = response->head;
	size_t size = sizeof(response->head), at = 0;
	at = put_text(out, at, size, "HTTP/1.1 ");
	at = put_number(out, at, size, (uint64_t)status);
	at = put_text(out, at, size, " ");
	at = put_text(out, at, size, reason(status));
	at = put_text(out, at, size, "\r\nServer: augur-uk\r\nContent-Type: ");
	at = put_text(out, at, size, type);
	at = put_text(out, at, size, "\r\nContent-Length: ");
	at = put_number(out, at, size, body_length);
	if (status == 405)
		at = put_text(out, at, size, "\r\nAllow: GET, HEAD");
	at = put_text(out, at, size, close ? "\r\nConnection: close\r\n\r\n" : "\r\nConnection: keep-alive\r\n\r\n");
	response->status = status;
	response->head_length = at;
	response->body = body;
	response->body_length = head_only ? 0 : body_length;
	response->close = close;
}

static int fail(struct http_connection *connection, struct http_response *response, int status)
{
	static const char *const bodies[] = { "bad request\n", "uri too long\n", "header fields too large\n", "http version not supported\n" };
	const char *body = status == 414 ? bodies[1] : status == 431 ? bodies[2] : status == 505 ? bodies[3] : bodies[0];
	connection->closed = 1;
	connection->input_length = 0;
	respond(response, status, (const uint8_t *)body, strlen(body), 0, 1, "text/plain");
	return 1;
}

/* The request line, without its line ending: 0, or an error status. */
static int parse_request_line(const char *line, size_t length, struct request *request)
{
	size_t at = 0;
	while (at < length && is_token_char(line[at]))
		at++;
	if (at == 0 || at >= length || line[at] != ' ')
		return 400;
	request->method = at == 3 && !memcmp(line, "GET", 3) ? METHOD_GET : at == 4 && !memcmp(line, "HEAD", 4) ? METHOD_HEAD : METHOD_OTHER;
	size_t start = ++at;
	while (at < length && line[at] > ' ' && line[at] < 0x7f)
		at++;
	if (at == start || at >= length || line[at] != ' ')
		return 400;
	request->target = line + start;
	request->target_length = at - start;
	const char *version = line + at + 1;
	size_t version_length = length - at - 1;
	if (version_length != 8 || memcmp(version, "HTTP/", 5) || version[6] != '.' || version[5] < '0' || version[5] > '9' ||
	    version[7] < '0' || version[7] > '9')
		return 400;
	if (version[5] != '1')
		return 505;
	request->minor_version = version[7] - '0';
	return 0;
}

static int parse_length(const char *value, size_t length, uint64_t *out)
{
	if (length == 0)
		return -1;
	uint64_t number = 0;
	for (size_t i = 0; i < length; i++) {
		if (value[i] < '0' || value[i] > '9' || number > (UINT64_MAX >> 4))
			return -1;
		number = number * 10 + (uint64_t)(value[i] - '0');
	}
	*out = number;
	return 0;
}

/* Connection's tokens: a comma-separated list. */
static void parse_connection(const char *value, size_t length, struct request *request)
{
	size_t at = 0;
	while (at < length) {
		while (at < length && (value[at] == ' ' || value[at] == '\t' || value[at] == ','))
			at++;
		size_t start = at;
		while (at < length && value[at] != ',' && value[at] != ' ' && value[at] != '\t')
			at++;
		if (equals_folded(value + start, at - start, "close"))
			request->wants_close = 1;
		else if (equals_folded(value + start, at - start, "keep-alive"))
			request->wants_keep_alive = 1;
	}
}

/* One header line, without its line ending: 0, or an error status. */
static int parse_header(const char *line, size_t length, struct request *request)
{
	size_t at = 0;
	while (at < length && is_token_char(line[at]))
		at++;
	if (at == 0 || at >= length || line[at] != ':')
		return 400;
	size_t name_length = at++;
	for (size_t i = at; i < length; i++)
		if ((unsigned char)line[i] < ' ' && line[i] != '\t')
			return 400;
	while (at < length && (line[at] == ' ' || line[at] == '\t'))
		at++;
	size_t end = length;
	while (end > at && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	const char *value = line + at;
	size_t value_length = end - at;
	if (equals_folded(line, name_length, "host")) {
		request->hosts++;
	} else if (equals_folded(line, name_length, "content-length")) {
		uint64_t number;
		if (parse_length(value, value_length, &number) != 0 || (request->has_length && number != request->content_length))
			return 400;
		request->has_length = 1;
		request->content_length = number;
	} else if (equals_folded(line, name_length, "transfer-encoding")) {
		/* Only bodies framed by Content-Length are read; any other framing is refused. */
		return 400;
	} else if (equals_folded(line, name_length, "connection")) {
		parse_connection(value, value_length, request);
	}
	return 0;
}

/* The path a target names: origin-form as it is, absolute-form without scheme and
 * authority, either without its query. Returns 0, or -1 for a form not served. */
static int target_path(const char *target, size_t length, const char **path, size_t *path_length)
{
	if (length >= 7 && equals_folded(target, 7, "http://")) {
		size_t at = 7;
		while (at < length && target[at] != '/' && target[at] != '?')
			at++;
		target += at;
		length -= at;
		if (length == 0 || target[0] == '?') {
			*path = "/";
			*path_length = 1;
			return 0;
		}
	}
	if (length == 0 || target[0] != '/')
		return -1;
	size_t end = 0;
	while (end < length && target[end] != '?' && target[end] != '#')
		end++;
	*path = target;
	*path_length = end;
	return 0;
}

/* The end of the line starting at `from` (the index of its LF), or -1. */
static long line_end(const char *input, size_t from, size_t length)
{
	const char *lf = memchr(input + from, '\n', length - from);
	return lf ? (long)(lf - input) : -1;
}

/* A line's length without its CR LF (or bare LF); -1 when a CR stands elsewhere in it. */
static long content_length_of(const char *input, size_t start, size_t lf)
{
	size_t end = lf > start && input[lf - 1] == '\r' ? lf - 1 : lf;
	if (memchr(input + start, '\r', end - start))
		return -1;
	return (long)(end - start);
}

int http_connection_next(struct http_connection *connection, const struct http_site *site, struct http_response *response)
{
	if (connection->closed)
		return 0;
	char *input = connection->input;
	size_t length = connection->input_length;
	/* Empty lines before a request line are ignored (RFC 9112 2.2). */
	size_t skip = 0;
	while (skip < length && (input[skip] == '\n' || (input[skip] == '\r' && skip + 1 < length && input[skip + 1] == '\n')))
		skip += input[skip] == '\r' ? 2 : 1;
	if (skip) {
		memmove(input, input + skip, length - skip);
		length -= skip;
		connection->input_length = length;
	}
	long first = line_end(input, 0, length);
	if (first < 0)
		return length >= HTTP_LINE_MAX ? fail(connection, response, 414) : 0;
	if ((size_t)first > HTTP_LINE_MAX)
		return fail(connection, response, 414);
	/* The header section ends at an empty line. */
	size_t at = (size_t)first + 1;
	long end = -1;
	while (at < length) {
		long lf = line_end(input, at, length);
		if (lf < 0)
			break;
		if ((size_t)lf == at || ((size_t)lf == at + 1 && input[at] == '\r')) {
			end = lf;
			break;
		}
		at = (size_t)lf + 1;
	}
	if (end < 0)
		return length >= HTTP_HEAD_MAX ? fail(connection, response, 431) : 0;

	struct request request = { 0 };
	long line_length = content_length_of(input, 0, (size_t)first);
	int status = line_length < 0 ? 400 : parse_request_line(input, (size_t)line_length, &request);
	for (at = (size_t)first + 1; status == 0 && at < (size_t)end;) {
		size_t lf = (size_t)line_end(input, at, length);
		if ((size_t)lf == at || ((size_t)lf == at + 1 && input[at] == '\r'))
			break;
		/* A line starting with white space continues the last (obs-fold): refused. */
		if (input[at] == ' ' || input[at] == '\t')
			status = 400;
		long header_length = content_length_of(input, at, lf);
		if (status == 0)
			status = header_length < 0 ? 400 : parse_header(input + at, (size_t)header_length, &request);
		at = lf + 1;
	}
	if (status == 0 && request.minor_version >= 1 && request.hosts != 1)
		status = 400;
	if (status == 0 && request.hosts > 1)
		status = 400;
	if (status != 0)
		return fail(connection, response, status);

	const char *path;
	size_t path_length;
	int path_status = target_path(request.target, request.target_length, &path, &path_length);
	int close = request.minor_version == 0 ? !request.wants_keep_alive || request.wants_close : request.wants_close;
	int head_only = request.method == METHOD_HEAD;
	if (request.method == METHOD_OTHER) {
		static const char body[] = "method not allowed\n";
		respond(response, 405, (const uint8_t *)body, sizeof(body) - 1, 0, close, "text/plain");
	} else if (path_status != 0) {
		return fail(connection, response, 400);
	} else if (path_length == 6 && !memcmp(path, "/ready", 6)) {
		respond(response, 200, ready_body, sizeof(ready_body) - 1, head_only, close, "text/plain");
	} else if (path_length == site->name_length + 1 && path[0] == '/' && !memcmp(path + 1, site->name, site->name_length)) {
		respond(response, 200, site->object, site->object_length, head_only, close, "application/octet-stream");
	} else {
		static const char body[] = "not found\n";
		respond(response, 404, (const uint8_t *)body, sizeof(body) - 1, head_only, close, "text/plain");
	}

	/* The request leaves the buffer, and with it what of its body has arrived. */
	size_t consumed = (size_t)end + 1;
	uint64_t body = request.has_length ? request.content_length : 0;
	size_t buffered_body = body < length - consumed ? (size_t)body : length - consumed;
	consumed += buffered_body;
	memmove(input, input + consumed, length - consumed);
	connection->input_length = length - consumed;
	connection->discard = body - buffered_body;
	if (close) {
		connection->closed = 1;
		connection->input_length = 0;
	}
	return 1;
}
