/* Console output through the ring in start_info (io/console.h). */
#ifndef UK_CONSOLE_H
#define UK_CONSOLE_H
#include <stdarg.h>
#include <stddef.h>

void console_init(void);
void console_write(const char *text, size_t length);
__attribute__((format(printf, 1, 0))) void console_vprintf(const char *fmt, va_list arguments);
__attribute__((format(printf, 1, 2))) void console_printf(const char *fmt, ...);
/* Waits (bounded) until xenconsoled has read what was written. */
void console_flush(void);
#endif
