/* A xenstore client over the domain's store ring (io/xs_wire.h). */
#ifndef UK_XENSTORE_H
#define UK_XENSTORE_H
#include <stddef.h>
void xenstore_init(void);
/* Reads a value into `value` (NUL-terminated); 0 on success, -1 when absent or too long. */
int xenstore_read(const char *path, char *value, size_t size);
/* Writes a value; 0 on success. */
int xenstore_write(const char *path, const char *value);
#endif
