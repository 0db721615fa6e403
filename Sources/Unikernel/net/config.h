/* The instance's network settings, read from the kernel command line the operator's xen
 * driver writes: augur.address=A.B.C.D/P augur.port=N [augur.gateway=A.B.C.D]. */
#ifndef UK_CONFIG_H
#define UK_CONFIG_H
#include <stdint.h>

struct uk_config {
	uint8_t address[4];
	uint8_t prefix;
	uint8_t gateway[4];
	int has_gateway;
	uint16_t port;
};

/* Parses the command line; returns NULL, or a message naming the key that is missing or
 * malformed. Words that are not augur.* keys are left to others (console=hvc0). */
const char *uk_config_parse(const char *command_line, struct uk_config *config);
#endif
