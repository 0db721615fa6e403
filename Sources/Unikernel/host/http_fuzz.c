/* libFuzzer target for http.c (make fuzz; Scripts/fuzz-http): the input's first byte sets
 * the size of the pieces the rest arrives in; every response must be well formed and point
 * only at the object or at the server's own constants. */
#include "http.h"
#include <stdlib.h>
#include <string.h>

static const uint8_t object[4096];
static const struct http_site site = { "video1", 6, object, sizeof(object) };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_connection connection;
	if (size == 0)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	http_connection_init(&connection);
	size_t at = 0;
	int stalls = 0;
	while (at < size && stalls < 2) {
		size_t piece = size - at < step ? size - at : step;
		size_t taken = http_connection_take(&connection, data + at, piece);
		at += taken;
		struct http_response response;
		int answered = 0;
		while (http_connection_next(&connection, &site, &response)) {
			answered = 1;
			if (response.head_length == 0 || response.head_length >= sizeof(response.head) ||
			    memcmp(response.head, "HTTP/1.1 ", 9) || memcmp(response.head + response.head_length - 4, "\r\n\r\n", 4))
				abort();
			int on_object = response.body >= object && response.body + response.body_length <= object + sizeof(object);
			if (response.body_length && !on_object && response.body_length > 64)
				abort();
			if (connection.input_length > HTTP_HEAD_MAX)
				abort();
		}
		stalls = taken == 0 && !answered ? stalls + 1 : 0;
	}
	return 0;
}
