/* printf-style formatting for the console: %s %c %d %i %u %x %p %%, the l/ll/z lengths, a
 * width with '0' or '-', and %.*s. Always NUL-terminates; returns the length written. */
#ifndef UK_FORMAT_H
#define UK_FORMAT_H
#include <stdarg.h>
#include <stddef.h>
size_t format_v(char *out, size_t size, const char *fmt, va_list arguments);
__attribute__((format(printf, 3, 4))) size_t format(char *out, size_t size, const char *fmt, ...);
#endif
