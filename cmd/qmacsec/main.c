/* qmacsec — the command line (temporary dispatcher: lab only). */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "cmd_status.h"
#include "etsi_msg.h"
#include "lab.h"
#include "qs_zmem.h"

int
main(int argc, char **argv)
{
	/* TODO zeroing allocator once etsi_client frees libevent strings right
	 */
	etsi_msg_init();
	if (argc >= 2 && strcmp(argv[1], "lab") == 0)
		return cmd_lab(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	fprintf(stderr, "usage: qmacsec lab ...\n");
	return 2;
}
