/*
 * fuzz_control: a libFuzzer target over the control socket's command reader: the bytes a
 * client sends go through a socket pair into control_read_line() and the line into
 * control_parse(), exactly as the server reads them.
 *
 *   make fuzz && build-fuzz/fuzz_control CORPUS
 */

#include "milter/control.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[CONTROL_MAX_LINE + 2];
	size_t len;
	int sv[2];

	if (size > 4096 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size)
		abort();
	close(sv[0]); /* the client is done: the reader never waits for the timeout */
	if (control_read_line(sv[1], buf, sizeof(buf), &len) == 0 && len <= CONTROL_MAX_LINE) {
		enum control_cmd c = control_parse(buf, len);
		if (c > CONTROL_STATS)
			abort();
	}
	close(sv[1]);
	(void)control_parse((const char *)data, size);
	return 0;
}
