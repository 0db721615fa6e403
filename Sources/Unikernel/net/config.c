/* Reads augur.address, augur.gateway and augur.port from a command line (config.h). Each
 * key once; a value must be whole (an address of four octets, a prefix of 0-32, a port of
 * 1-65535) and end at a space. */
#include "config.h"
#include <string.h>

static int parse_number(const char **text, unsigned long limit, unsigned long *value)
{
	const char *p = *text;
	unsigned long number = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9') {
		number = number * 10 + (unsigned long)(*p++ - '0');
		if (++digits > 5 || number > limit)
			return -1;
	}
	if (digits == 0)
		return -1;
	*text = p;
	*value = number;
	return 0;
}

static int parse_address(const char **text, uint8_t address[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned long octet;
		if (parse_number(text, 255, &octet) != 0)
			return -1;
		address[i] = (uint8_t)octet;
		if (i < 3 && *(*text)++ != '.')
			return -1;
	}
	return 0;
}

static int at_word_end(const char *text)
{
	return *text == '\0' || *text == ' ';
}

const char *uk_config_parse(const char *command_line, struct uk_config *config)
{
	int seen_address = 0, seen_port = 0;
	memset(config, 0, sizeof(*config));
	for (const char *p = command_line; *p;) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		const char *value;
		unsigned long number;
		if (!strncmp(word, "augur.address=", 14)) {
			value = word + 14;
			if (seen_address++)
				return "augur.address is given twice";
			if (parse_address(&value, config->address) != 0 || *value++ != '/' || parse_number(&value, 32, &number) != 0 ||
			    !at_word_end(value))
				return "augur.address is malformed (want A.B.C.D/PREFIX)";
			config->prefix = (uint8_t)number;
		} else if (!strncmp(word, "augur.gateway=", 14)) {
			value = word + 14;
			if (config->has_gateway++)
				return "augur.gateway is given twice";
			if (parse_address(&value, config->gateway) != 0 || !at_word_end(value))
				return "augur.gateway is malformed (want A.B.C.D)";
		} else if (!strncmp(word, "augur.port=", 11)) {
			value = word + 11;
			if (seen_port++)
				return "augur.port is given twice";
			if (parse_number(&value, 65535, &number) != 0 || number == 0 || !at_word_end(value))
				return "augur.port is malformed (want 1-65535)";
			config->port = (uint16_t)number;
		} else if (!strncmp(word, "augur.", 6)) {
			return "unknown augur.* key on the command line";
		}
	}
	if (!seen_address)
		return "augur.address is missing";
	if (!seen_port)
		return "augur.port is missing";
	return NULL;
}
