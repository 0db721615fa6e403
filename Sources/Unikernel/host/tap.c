/* augur-uk's network path on a Linux host, for tests: the kernel's lwIP configuration and
 * HTTP server over a tap device instead of netfront, the object read from a file. SIGUSR1
 * prints the open connections to stderr; SIGTERM ends it.
 * Usage: augur-uk-host --tap NAME --object FILE --name CONTENT "augur.address=A/P augur.port=N" */
#include "config.h"
#include "stack.h"
#include "httpd.h"
#include "lwip/pbuf.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int tap = -1;
static volatile sig_atomic_t stopping, report;

uint32_t sys_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)(now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

unsigned int uk_random(void)
{
	return (unsigned int)random();
}

void uk_print(const char *fmt, ...)
{
	va_list arguments;
	va_start(arguments, fmt);
	vfprintf(stderr, fmt, arguments);
	va_end(arguments);
}

void uk_panic(const char *message, const char *file, int line)
{
	fprintf(stderr, "augur-uk-host: assertion \"%s\" failed at %s:%d\n", message, file, line);
	abort();
}

static err_t transmit(struct netif *netif, struct pbuf *p)
{
	(void)netif;
	unsigned char frame[1600];
	if (p->tot_len > sizeof(frame))
		return ERR_VAL;
	pbuf_copy_partial(p, frame, p->tot_len, 0);
	if (write(tap, frame, p->tot_len) != (ssize_t)p->tot_len)
		return ERR_IF;
	return ERR_OK;
}

static int open_tap(const char *name)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct ifreq request;
	memset(&request, 0, sizeof(request));
	request.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(request.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &request) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_signal(int signal)
{
	if (signal == SIGUSR1)
		report = 1;
	else
		stopping = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: augur-uk-host --tap NAME --object FILE --name CONTENT \"augur.address=A/P augur.port=N\"\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *tap_name = NULL, *object_path = NULL, *name = NULL, *command_line = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tap") && i + 1 < argc)
			tap_name = argv[++i];
		else if (!strcmp(argv[i], "--object") && i + 1 < argc)
			object_path = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!command_line && argv[i][0] != '-')
			command_line = argv[i];
		else
			return usage();
	}
	if (!tap_name || !object_path || !name || !command_line)
		return usage();
	struct uk_config config;
	const char *problem = uk_config_parse(command_line, &config);
	if (problem) {
		fprintf(stderr, "augur-uk-host: bad command line: %s\n", problem);
		return 2;
	}
	int object_fd = open(object_path, O_RDONLY);
	struct stat status;
	if (object_fd < 0 || fstat(object_fd, &status) != 0) {
		fprintf(stderr, "augur-uk-host: cannot read %s: %s\n", object_path, strerror(errno));
		return 1;
	}
	/* Mapped, not read: served in place as the kernel serves its built-in object. */
	const uint8_t *object = status.st_size ? mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, object_fd, 0) : (const uint8_t *)"";
	if (object == MAP_FAILED) {
		fprintf(stderr, "augur-uk-host: cannot map %s: %s\n", object_path, strerror(errno));
		return 1;
	}
	tap = open_tap(tap_name);
	if (tap < 0) {
		fprintf(stderr, "augur-uk-host: cannot open tap %s: %s\n", tap_name, strerror(errno));
		return 1;
	}
	/* A parent may hand down blocked signals (a test runner does): SIGTERM must end this. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	srandom((unsigned int)(time(NULL) ^ getpid()));
	uint8_t mac[6] = { 0x02, 0x00, 0x5e, (uint8_t)random(), (uint8_t)random(), (uint8_t)random() };
	struct http_site site = { name, strlen(name), object, (size_t)status.st_size };
	stack_start(&config, mac, transmit);
	if (httpd_start(&site, config.port) != 0) {
		fprintf(stderr, "augur-uk-host: cannot listen on port %u\n", config.port);
		return 1;
	}
	printf("augur-uk-host: serving /%s and /ready on %u.%u.%u.%u:%u\n", name, config.address[0], config.address[1],
	       config.address[2], config.address[3], config.port);
	fflush(stdout);
	while (!stopping) {
		if (report) {
			report = 0;
			fprintf(stderr, "augur-uk-host: connections: %d\n", httpd_connections());
		}
		uint32_t wait_ms = stack_timers();
		struct pollfd ready = { .fd = tap, .events = POLLIN };
		if (poll(&ready, 1, wait_ms > 1000 ? 1000 : (int)wait_ms) > 0) {
			unsigned char frame[2048];
			ssize_t length;
			while ((length = read(tap, frame, sizeof(frame))) > 0)
				stack_input(frame, (size_t)length, NULL);
		}
	}
	return 0;
}
