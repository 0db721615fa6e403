/* atoi, which lwIP's netif.c names (netif_find): the kernel's only stdlib function (xen/libc.c). */
#ifndef UK_STDLIB_H
#define UK_STDLIB_H
int atoi(const char *text);
#endif
