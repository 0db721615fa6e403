/* lwIP's compiler and platform hooks for augur-uk: types from the compiler's own headers,
 * diagnostics and assertions to the platform's console (uk_print, uk_panic). */
#ifndef UK_ARCH_CC_H
#define UK_ARCH_CC_H
#include <stdint.h>
#include <stddef.h>

/* The kernel has no libc headers; the host build uses its own. */
#ifndef UK_HOSTED
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_UNISTD_H 1
#endif
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"
#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_ERR_T int

__attribute__((format(printf, 1, 2))) void uk_print(const char *fmt, ...);
__attribute__((noreturn)) void uk_panic(const char *message, const char *file, int line);

#define LWIP_PLATFORM_DIAG(x) do { uk_print x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) uk_panic(x, __FILE__, __LINE__)
#endif
