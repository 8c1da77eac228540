/* SPDX-License-Identifier: BSD-3-Clause
 *
 * mcastctl: talk to a running mcastrx over its control socket.
 *   mcastctl [-s PATH] COMMAND [ARGUMENT...]     one request
 *   mcastctl [-s PATH] -                         requests from stdin, one per line
 * The reply's body lines go to stdout; "ok ..." to stdout, "error ..." to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_PATH "/run/mcastrx.sock"
#define MAX_LINE 4096 /* as the server's MRX_CTL_MAX_LINE, newline included */
#define REPLY_TIMEOUT_MS 10000

enum exit_code {
	EXIT_REPLY_OK = 0,
	EXIT_REPLY_ERROR = 1, /* mcastrx refused the request */
	EXIT_BAD_USAGE = 2,
	EXIT_NO_CONNECTION = 3,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mcastctl [-s PATH] COMMAND [ARGUMENT...]\n"
		"       mcastctl [-s PATH] -          (requests from stdin, one per line)\n"
		"\n"
		"Commands (SOCKET and INTERFACE are names from mcastrx's configuration):\n"
		"  join SOCKET GROUP [SOURCE] [on INTERFACE]   any-source join, or join (GROUP, SOURCE)\n"
		"  leave SOCKET GROUP [SOURCE] [on INTERFACE]  leave the group, or one source of it\n"
		"  block SOCKET GROUP SOURCE [on INTERFACE]    stop receiving SOURCE (any-source)\n"
		"  unblock SOCKET GROUP SOURCE [on INTERFACE]  undo a block\n"
		"  setsourcefilter SOCKET GROUP include|exclude [SOURCE...] [on INTERFACE]\n"
		"                                              set the whole filter (RFC 3678)\n"
		"  show [sockets|groups|stats]                 memberships, traffic, counters\n"
		"  help                                        the commands, as mcastrx knows them\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH  mcastrx's control socket (default $MCASTRX_CONTROL_SOCKET,\n"
		"                     else " DEFAULT_PATH ")\n"
		"  -h, --help         this text\n"
		"\n"
		"Errors come back as 'error ERRNO_NAME message', e.g.\n"
		"  error EADDRNOTAVAIL join feed 239.1.1.1: Cannot assign requested address\n"
		"(the errno rules are docs/SOCKET-OPTION-RULES.md).\n"
		"\n"
		"Exit codes: 0 every reply ok; 1 mcastrx answered with an error; 2 bad usage;\n"
		"3 cannot reach mcastrx (not running, wrong path, no permission).\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(address.sun_path)) {
		fprintf(stderr, "mcastctl: socket path '%s' is too long\n", path);
		return -1;
	}
	memcpy(address.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
		fprintf(stderr, "mcastctl: cannot connect to %s: %s (is mcastrx running? -s PATH)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Buffered reader of reply lines. */
struct reader {
	int fd;
	char buffer[MAX_LINE * 4];
	size_t length;
};

/* Next line (without newline) into out; 0, or -1 on EOF/timeout. */
static int read_line(struct reader *reader, char *out, size_t size)
{
	for (;;) {
		char *newline = memchr(reader->buffer, '\n', reader->length);
		if (newline != NULL) {
			size_t line_length = (size_t)(newline - reader->buffer);
			size_t copy = line_length < size - 1 ? line_length : size - 1;
			memcpy(out, reader->buffer, copy);
			out[copy] = '\0';
			memmove(reader->buffer, newline + 1, reader->length - line_length - 1);
			reader->length -= line_length + 1;
			return 0;
		}
		if (reader->length == sizeof(reader->buffer))
			reader->length = 0; /* an absurd line: drop it */
		struct pollfd wait = {.fd = reader->fd, .events = POLLIN};
		if (poll(&wait, 1, REPLY_TIMEOUT_MS) <= 0)
			return -1;
		ssize_t got = read(reader->fd, reader->buffer + reader->length,
				   sizeof(reader->buffer) - reader->length);
		if (got <= 0)
			return -1;
		reader->length += (size_t)got;
	}
}

/* Send one request and print its reply. Returns an exit code. */
static int request(int fd, struct reader *reader, const char *line)
{
	size_t length = strlen(line);
	if (length + 1 > MAX_LINE) {
		fprintf(stderr, "mcastctl: request longer than %d bytes\n", MAX_LINE - 1);
		return EXIT_BAD_USAGE;
	}
	char *message = malloc(length + 2);
	if (message == NULL)
		return EXIT_NO_CONNECTION;
	memcpy(message, line, length);
	message[length] = '\n';
	ssize_t sent = send(fd, message, length + 1, MSG_NOSIGNAL);
	free(message);
	if (sent != (ssize_t)(length + 1)) {
		fprintf(stderr, "mcastctl: sending failed: %s\n", strerror(errno));
		return EXIT_NO_CONNECTION;
	}
	static char reply[MAX_LINE * 4];
	for (;;) {
		if (read_line(reader, reply, sizeof(reply)) < 0) {
			fprintf(stderr, "mcastctl: no complete reply from mcastrx\n");
			return EXIT_NO_CONNECTION;
		}
		if (strncmp(reply, "  ", 2) == 0) {
			printf("%s\n", reply + 2);
		} else if (strncmp(reply, "ok", 2) == 0) {
			printf("%s\n", reply);
			return EXIT_REPLY_OK;
		} else if (strncmp(reply, "error ", 6) == 0) {
			fflush(stdout);
			fprintf(stderr, "%s\n", reply);
			return EXIT_REPLY_ERROR;
		} else {
			printf("%s\n", reply); /* unknown line: show it */
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = getenv("MCASTRX_CONTROL_SOCKET");
	if (path == NULL || path[0] == '\0')
		path = DEFAULT_PATH;
	int option;
	/* '+': stop at the first non-option (the command's own words follow);
	 * ':' and opterr 0: our own one-line errors */
	opterr = 0;
	while ((option = getopt_long(argc, argv, "+:s:h", options, NULL)) != -1) {
		switch (option) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_REPLY_OK;
		case ':':
			fprintf(stderr, "mcastctl: option '%s' needs a value (try --help)\n",
				argv[optind - 1]);
			return EXIT_BAD_USAGE;
		default:
			fprintf(stderr, "mcastctl: unknown option '%s' (try --help)\n", argv[optind - 1]);
			return EXIT_BAD_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_BAD_USAGE;
	}
	int fd = connect_to(path);
	if (fd < 0)
		return EXIT_NO_CONNECTION;
	struct reader *reader = calloc(1, sizeof(*reader));
	if (reader == NULL) {
		close(fd);
		return EXIT_NO_CONNECTION;
	}
	reader->fd = fd;
	int result = EXIT_REPLY_OK;
	if (strcmp(argv[optind], "-") == 0 && optind + 1 == argc) {
		char *line = NULL;
		size_t capacity = 0;
		ssize_t got;
		while ((got = getline(&line, &capacity, stdin)) >= 0) {
			while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
				line[--got] = '\0';
			if (got == 0 || line[0] == '#')
				continue;
			int one = request(fd, reader, line);
			if (one > result)
				result = one;
			if (one == EXIT_NO_CONNECTION)
				break;
		}
		free(line);
	} else {
		char line[MAX_LINE + 1];
		size_t used = 0;
		for (int i = optind; i < argc; i++) {
			size_t word = strlen(argv[i]);
			if (used + word + 2 > sizeof(line)) {
				fprintf(stderr, "mcastctl: request longer than %d bytes\n", MAX_LINE - 1);
				result = EXIT_BAD_USAGE;
				break;
			}
			if (used > 0)
				line[used++] = ' ';
			memcpy(line + used, argv[i], word);
			used += word;
		}
		line[used] = '\0';
		if (result == EXIT_REPLY_OK)
			result = request(fd, reader, line);
	}
	free(reader);
	close(fd);
	return result;
}
