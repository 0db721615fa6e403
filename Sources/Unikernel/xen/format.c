/* The console's formatter (format.h): no libc in the kernel, so the few conversions the
 * kernel and lwIP's diagnostics use are written here. */
#include "format.h"
#include <stdint.h>

struct sink {
	char *out;
	size_t size;
	size_t length;
};

static void put(struct sink *sink, char c)
{
	if (sink->length + 1 < sink->size)
		sink->out[sink->length] = c;
	sink->length++;
}

static void put_padded(struct sink *sink, const char *text, size_t length, int width, int left, char pad)
{
	int padding = width > (int)length ? width - (int)length : 0;
	if (!left)
		while (padding-- > 0)
			put(sink, pad);
	for (size_t i = 0; i < length; i++)
		put(sink, text[i]);
	if (left)
		while (padding-- > 0)
			put(sink, ' ');
}

static void put_number(struct sink *sink, uint64_t value, unsigned base, int negative, int width, int left, char pad)
{
	char digits[24];
	size_t count = 0;
	do {
		digits[count++] = "0123456789abcdef"[value % base];
		value /= base;
	} while (value);
	if (negative)
		digits[count++] = '-';
	char text[24];
	for (size_t i = 0; i < count; i++)
		text[i] = digits[count - 1 - i];
	put_padded(sink, text, count, width, left, negative && pad == '0' ? ' ' : pad);
}

size_t format_v(char *out, size_t size, const char *fmt, va_list arguments)
{
	struct sink sink = { out, size, 0 };
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&sink, *p);
			continue;
		}
		p++;
		int left = 0, width = 0, precision = -1, longs = 0;
		char pad = ' ';
		for (; *p == '-' || *p == '0'; p++) {
			if (*p == '-')
				left = 1;
			else
				pad = '0';
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (*p == '.' && p[1] == '*') {
			precision = va_arg(arguments, int);
			p += 2;
		}
		for (; *p == 'l' || *p == 'z'; p++)
			longs++;
		switch (*p) {
		case 's': {
			const char *text = va_arg(arguments, const char *);
			if (!text)
				text = "(null)";
			size_t length = 0;
			while (text[length] && (precision < 0 || length < (size_t)precision))
				length++;
			put_padded(&sink, text, length, width, left, ' ');
			break;
		}
		case 'c':
			put(&sink, (char)va_arg(arguments, int));
			break;
		case 'd':
		case 'i': {
			int64_t value = longs ? va_arg(arguments, int64_t) : va_arg(arguments, int);
			put_number(&sink, value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value, 10, value < 0, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t value = longs ? va_arg(arguments, uint64_t) : va_arg(arguments, unsigned int);
			put_number(&sink, value, *p == 'u' ? 10 : 16, 0, width, left, pad);
			break;
		}
		case 'p':
			put(&sink, '0');
			put(&sink, 'x');
			put_number(&sink, (uint64_t)(uintptr_t)va_arg(arguments, void *), 16, 0, width, left, pad);
			break;
		case '%':
			put(&sink, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			put(&sink, '%');
			put(&sink, *p);
		}
	}
	if (size)
		out[sink.length < size ? sink.length : size - 1] = '\0';
	return sink.length < size ? sink.length : (size ? size - 1 : 0);
}

size_t format(char *out, size_t size, const char *fmt, ...)
{
	va_list arguments;
	va_start(arguments, fmt);
	size_t length = format_v(out, size, fmt, arguments);
	va_end(arguments);
	return length;
}
