#ifndef AUGUR_CLDNS_SHIM_H
#define AUGUR_CLDNS_SHIM_H
/* ldns/common.h falls back to `signed char` for bool unless stdbool.h came first. */
#include <stdbool.h>
#include <stdlib.h>
#include <ldns/ldns.h>
#endif
