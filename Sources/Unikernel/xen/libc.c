/* String functions for a kernel without libc (libc/string.h); gcc also calls memcpy and
 * memset for struct copies. */
#include <string.h>
#include <stdint.h>
#include <stdlib.h>

void *memcpy(void *restrict to, const void *restrict from, size_t length)
{
	unsigned char *out = to;
	const unsigned char *in = from;
	if ((((uintptr_t)out | (uintptr_t)in) & 7) == 0) {
		for (; length >= 8; length -= 8, out += 8, in += 8)
			*(uint64_t *)out = *(const uint64_t *)in;
	}
	while (length--)
		*out++ = *in++;
	return to;
}

void *memmove(void *to, const void *from, size_t length)
{
	unsigned char *out = to;
	const unsigned char *in = from;
	if (out == in || length == 0)
		return to;
	if (out < in || out >= in + length)
		return memcpy(to, from, length);
	while (length--)
		out[length] = in[length];
	return to;
}

void *memset(void *to, int byte, size_t length)
{
	unsigned char *out = to;
	while (length--)
		*out++ = (unsigned char)byte;
	return to;
}

int memcmp(const void *a, const void *b, size_t length)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < length; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *text)
{
	size_t length = 0;
	while (text[length])
		length++;
	return length;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t length)
{
	for (size_t i = 0; i < length; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

char *strchr(const char *text, int c)
{
	for (;; text++) {
		if (*text == (char)c)
			return (char *)text;
		if (!*text)
			return 0;
	}
}

void *memchr(const void *text, int c, size_t length)
{
	const unsigned char *bytes = text;
	for (size_t i = 0; i < length; i++)
		if (bytes[i] == (unsigned char)c)
			return (void *)(bytes + i);
	return 0;
}

int atoi(const char *text)
{
	int value = 0, negative = *text == '-';
	if (*text == '-' || *text == '+')
		text++;
	while (*text >= '0' && *text <= '9')
		value = value * 10 + (*text++ - '0');
	return negative ? -value : value;
}
