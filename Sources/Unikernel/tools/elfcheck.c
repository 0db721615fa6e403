/* Runs Xen's own domain builder parser (libxenguest's xc_dom_parse_image, as `xl create`
 * does before it builds a PV domain) on an image, on a host without Xen: exit 0 when the
 * builder accepts it, 1 with the builder's message when it refuses it. The hypervisor's
 * capabilities are Debian's Xen 4.17's, given here since no hypervisor is asked.
 * Usage: elfcheck IMAGE */
#include <stdio.h>
#include <string.h>
#include <xenctrl.h>
#include <xenguest.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: elfcheck IMAGE\n");
		return 2;
	}
	/* A dummy interface: the parser needs one for its log, not a hypervisor. */
	xc_interface *xch = xc_interface_open(NULL, NULL, XC_OPENFLAG_DUMMY);
	if (!xch) {
		fprintf(stderr, "elfcheck: cannot open a dummy xenctrl interface\n");
		return 2;
	}
	struct xc_dom_image *dom = xc_dom_allocate(xch, "", NULL);
	if (!dom) {
		fprintf(stderr, "elfcheck: xc_dom_allocate failed\n");
		return 2;
	}
	/* What Debian's hypervisor answers to XENVER_capabilities (no 32-bit PV, CONFIG_PV32 is
	 * off): the builder checks the image's guest type against it. */
	strncpy(dom->xen_caps, "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64", sizeof(dom->xen_caps) - 1);
	int status = 1;
	if (xc_dom_kernel_file(dom, argv[1]) != 0) {
		fprintf(stderr, "elfcheck: %s: cannot be read as a kernel\n", argv[1]);
	} else if (xc_dom_parse_image(dom) != 0) {
		fprintf(stderr, "elfcheck: %s: refused by the domain builder\n", argv[1]);
	} else {
		printf("elfcheck: %s: accepted: guest type %s, entry 0x%llx\n", argv[1], dom->guest_type ? dom->guest_type : "?",
		       (unsigned long long)xc_dom_virt_entry(dom));
		status = 0;
	}
	xc_dom_release(dom);
	xc_interface_close(xch);
	return status;
}
