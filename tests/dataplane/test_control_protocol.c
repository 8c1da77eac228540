/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The control-socket line protocol (dataplane/control_socket.h): the pure
 * parser on good and bad lines (each error names the offending word), and
 * the server end to end over a real Unix socket: mode 0600, one reply per
 * line ending in "ok ..." or "error ERRNO_NAME ...", over-long lines
 * refused without killing the connection, a live socket not stolen, at
 * most MRX_CTL_MAX_REQUESTS_PER_SECOND requests a second per connection
 * (the rest EAGAIN, not carried out), malformed requests never reaching the
 * handler, a client that does not read its replies disconnected.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cmocka.h>

#include "control_socket.h"

static struct mrx_ctl_request request; /* large: off the stack */

static struct mrx_addr addr(const char *text)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof(out));
	struct in_addr v4;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		out.bytes[10] = 0xff;
		out.bytes[11] = 0xff;
		memcpy(&out.bytes[12], &v4, 4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, out.bytes), 1);
	}
	return out;
}

static void parse_ok(const char *line)
{
	char error[256] = "";
	int result = mrx_ctl_parse_line(line, &request, error, sizeof(error));
	if (result != 0)
		fail_msg("'%s' refused: %d %s", line, result, error);
}

static void test_join_and_leave(void **state)
{
	(void)state;
	parse_ok("join tv1 239.1.1.1");
	assert_int_equal(request.command, MRX_CTL_JOIN);
	assert_string_equal(request.socket, "tv1");
	assert_string_equal(request.interface, "");
	assert_int_equal(request.group_family, AF_INET);
	struct mrx_addr expected = addr("239.1.1.1");
	assert_memory_equal(&request.group, &expected, sizeof(expected));
	assert_false(request.has_source);
	assert_int_equal(request.source_count, 0);

	parse_ok("join  feed_a.1\t232.1.1.1 10.0.0.1 on uplink\r\n");
	assert_int_equal(request.command, MRX_CTL_JOIN);
	assert_string_equal(request.socket, "feed_a.1");
	assert_string_equal(request.interface, "uplink");
	assert_true(request.has_source);
	assert_int_equal(request.source_count, 1);
	expected = addr("10.0.0.1");
	assert_memory_equal(&request.sources[0], &expected, sizeof(expected));
	assert_int_equal(request.source_family[0], AF_INET);

	parse_ok("leave v6 ff3e::1 2001:db8::5\n");
	assert_int_equal(request.command, MRX_CTL_LEAVE);
	assert_int_equal(request.group_family, AF_INET6);
	expected = addr("ff3e::1");
	assert_memory_equal(&request.group, &expected, sizeof(expected));
	assert_int_equal(request.source_family[0], AF_INET6);
	assert_true(request.has_source);

	parse_ok("leave v6 ff15::1");
	assert_false(request.has_source);
}

static void test_block_unblock_filter(void **state)
{
	(void)state;
	parse_ok("block s 239.1.1.1 10.9.9.9");
	assert_int_equal(request.command, MRX_CTL_BLOCK);
	assert_int_equal(request.source_count, 1);
	parse_ok("unblock s 239.1.1.1 10.9.9.9 on eth1");
	assert_int_equal(request.command, MRX_CTL_UNBLOCK);
	assert_string_equal(request.interface, "eth1");

	parse_ok("setsourcefilter s 239.1.1.1 include 10.0.0.1 10.0.0.2 10.0.0.3");
	assert_int_equal(request.command, MRX_CTL_SETSOURCEFILTER);
	assert_int_equal(request.mode, MRX_MODE_INCLUDE);
	assert_int_equal(request.source_count, 3);
	struct mrx_addr expected = addr("10.0.0.3");
	assert_memory_equal(&request.sources[2], &expected, sizeof(expected));

	parse_ok("setsourcefilter s 239.1.1.1 EXCLUDE");
	assert_int_equal(request.mode, MRX_MODE_EXCLUDE);
	assert_int_equal(request.source_count, 0);

	parse_ok("setsourcefilter s 239.1.1.1 include on eth0");
	assert_int_equal(request.mode, MRX_MODE_INCLUDE);
	assert_int_equal(request.source_count, 0);
	assert_string_equal(request.interface, "eth0");

	/* the parser reads text; mixing families is the engine's to refuse */
	parse_ok("setsourcefilter s ff15::1 include 10.0.0.1");
	assert_int_equal(request.source_family[0], AF_INET);
	assert_int_equal(request.group_family, AF_INET6);
}

static void test_show_and_help(void **state)
{
	(void)state;
	parse_ok("show");
	assert_int_equal(request.command, MRX_CTL_SHOW);
	assert_int_equal(request.show, MRX_CTL_SHOW_ALL);
	parse_ok("show sockets");
	assert_int_equal(request.show, MRX_CTL_SHOW_SOCKETS);
	parse_ok("show groups");
	assert_int_equal(request.show, MRX_CTL_SHOW_GROUPS);
	parse_ok("show stats");
	assert_int_equal(request.show, MRX_CTL_SHOW_STATS);
	parse_ok("help");
	assert_int_equal(request.command, MRX_CTL_HELP);
	for (int c = 0; c < MRX_CTL_COMMAND_MAX; c++) {
		assert_non_null(mrx_ctl_command_word(c));
		assert_non_null(mrx_ctl_command_arguments(c));
		assert_non_null(mrx_ctl_command_description(c));
	}
	assert_null(mrx_ctl_command_word(MRX_CTL_COMMAND_MAX));
}

struct bad_line {
	const char *line;
	int code;
	const char *fragment;
};

static const struct bad_line bad_lines[] = {
	{"", -EINVAL, "empty request"},
	{"   \t ", -EINVAL, "empty request"},
	{"jump s 239.1.1.1", -EINVAL, "unknown command 'jump'"},
	{"JOIN s 239.1.1.1", -EINVAL, "unknown command 'JOIN'"},
	{"join", -EINVAL, "usage: join SOCKET GROUP"},
	{"join s", -EINVAL, "usage: join"},
	{"join s 239.1.1.1 10.0.0.1 10.0.0.2", -EINVAL, "usage: join"},
	{"join s two.three.four.five", -EINVAL, "group 'two.three.four.five' is not"},
	{"join s 239.1.1.1 10.0.0.256", -EINVAL, "source '10.0.0.256' is not"},
	{"join s 239.1.1.1 on", -EINVAL, "source 'on' is not"},
	{"join s 239.1.1.1 on bad/name", -EINVAL, "interface name 'bad/name'"},
	{"join s/x 239.1.1.1", -EINVAL, "socket name 's/x'"},
	{"join a-socket-name-that-is-far-too-long-to-be-valid 239.1.1.1", -EINVAL,
	 "socket name 'a-socket-name-that-is-far-too-long-to-be"},
	{"block s 239.1.1.1", -EINVAL, "usage: block SOCKET GROUP SOURCE"},
	{"unblock s 239.1.1.1 10.0.0.1 10.0.0.2", -EINVAL, "usage: unblock"},
	{"setsourcefilter s 239.1.1.1", -EINVAL, "usage: setsourcefilter"},
	{"setsourcefilter s 239.1.1.1 both 10.0.0.1", -EINVAL, "mode 'both' is not include or exclude"},
	{"setsourcefilter s 239.1.1.1 include 10.0.0.1 nonsense", -EINVAL, "source 'nonsense'"},
	{"show everything", -EINVAL, "show: 'everything' is not sockets"},
	{"show sockets groups", -EINVAL, "usage: show"},
	{"help me", -EINVAL, "help takes no argument"},
	{"join s 239.1.1.1\x01", -EINVAL, "control character 0x01 at column 17"},
	{"join s\n239.1.1.1", -EINVAL, "control character 0x0a at column 7"},
};

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		char error[256] = "";
		memset(&request, 0x5a, sizeof(request));
		int result = mrx_ctl_parse_line(bad_lines[i].line, &request, error, sizeof(error));
		if (result != bad_lines[i].code)
			fail_msg("'%s': result %d, expected %d (%s)", bad_lines[i].line, result,
				 bad_lines[i].code, error);
		if (strstr(error, bad_lines[i].fragment) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad_lines[i].line, error,
				 bad_lines[i].fragment);
	}
}

static void test_limits(void **state)
{
	(void)state;
	static char line[MRX_CTL_MAX_LINE + 64];
	char error[256];
	/* exactly MRX_CTL_MAX_SOURCES sources: accepted */
	int used = snprintf(line, sizeof(line), "setsourcefilter s 239.1.1.1 exclude");
	for (unsigned i = 0; i < MRX_CTL_MAX_SOURCES; i++)
		used += snprintf(line + used, sizeof(line) - (size_t)used, " 10.0.%u.%u", i / 250,
				 i % 250 + 1);
	assert_true((size_t)used < MRX_CTL_MAX_LINE);
	parse_ok(line);
	assert_int_equal(request.source_count, MRX_CTL_MAX_SOURCES);
	/* one more: E2BIG, naming the limit */
	snprintf(line + used, sizeof(line) - (size_t)used, " 10.1.1.1");
	assert_int_equal(mrx_ctl_parse_line(line, &request, error, sizeof(error)), -E2BIG);
	assert_non_null(strstr(error, "more than 256 sources"));
	/* longer than the line limit: EMSGSIZE */
	memset(line, 'x', MRX_CTL_MAX_LINE);
	line[MRX_CTL_MAX_LINE] = '\0';
	assert_int_equal(mrx_ctl_parse_line(line, &request, error, sizeof(error)), -EMSGSIZE);
	assert_non_null(strstr(error, "longer than 4095"));
	/* the limit itself, with its newline: fine as far as length goes */
	memcpy(line, "show", 4);
	line[4] = ' ';
	memset(line + 5, 'y', MRX_CTL_MAX_LINE - 6);
	line[MRX_CTL_MAX_LINE - 1] = '\n';
	line[MRX_CTL_MAX_LINE] = '\0';
	assert_int_equal(mrx_ctl_parse_line(line, &request, error, sizeof(error)), -EINVAL);
	assert_non_null(strstr(error, "show: 'yyy"));
}

/* ---- the server over a real socket ---- */

static int handled;

static void handler(void *context, const struct mrx_ctl_request *parsed,
		    struct mrx_ctl_reply *reply)
{
	(void)context;
	handled++;
	if (parsed->command == MRX_CTL_SHOW) {
		mrx_ctl_reply_line(reply, "line one");
		mrx_ctl_reply_line(reply, "line %d", 2);
		mrx_ctl_reply_ok(reply, "show");
	} else if (parsed->command == MRX_CTL_LEAVE) {
		mrx_ctl_reply_error(reply, -EADDRNOTAVAIL, "not joined");
	} else {
		mrx_ctl_reply_ok(reply, "%s %s", mrx_ctl_command_word(parsed->command), parsed->socket);
	}
}

/* Send text and collect the reply until its status line. */
static void exchange(struct mrx_ctl_server *server, int fd, const char *text, char *reply,
		     size_t size)
{
	assert_int_equal(send(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	size_t used = 0;
	reply[0] = '\0';
	for (int round = 0; round < 200; round++) {
		mrx_ctl_server_poll(server, 5);
		ssize_t got = recv(fd, reply + used, size - used - 1, MSG_DONTWAIT);
		if (got > 0) {
			used += (size_t)got;
			reply[used] = '\0';
		}
		/* complete when the last line is a status line */
		if (used > 0 && reply[used - 1] == '\n') {
			char *last = reply + used - 1;
			while (last > reply && last[-1] != '\n')
				last--;
			if (strncmp(last, "ok", 2) == 0 || strncmp(last, "error ", 6) == 0)
				return;
		}
	}
	fail_msg("no complete reply to '%s' (got '%s')", text, reply);
}

static void test_server(void **state)
{
	(void)state;
	char path[108];
	snprintf(path, sizeof(path), "/tmp/mrx_test_ctl_%d.sock", (int)getpid());
	unlink(path);
	struct mrx_ctl_server *server = NULL;
	char error[256];
	assert_int_equal(mrx_ctl_server_open(path, handler, NULL, &server, error, sizeof(error)), 0);
	struct stat status;
	assert_int_equal(stat(path, &status), 0);
	assert_true(S_ISSOCK(status.st_mode));
	assert_int_equal(status.st_mode & 0777, 0600);

	/* a second server on a live path is refused and does not steal it */
	struct mrx_ctl_server *second = NULL;
	assert_int_equal(mrx_ctl_server_open(path, handler, NULL, &second, error, sizeof(error)),
			 -EADDRINUSE);
	assert_non_null(strstr(error, path));
	assert_null(second);

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0);

	static char reply[MRX_CTL_MAX_LINE * 2];
	exchange(server, fd, "join tv1 239.1.1.1\n", reply, sizeof(reply));
	assert_string_equal(reply, "ok join tv1\n");
	exchange(server, fd, "show\n", reply, sizeof(reply));
	assert_string_equal(reply, "  line one\n  line 2\nok show\n");
	exchange(server, fd, "leave tv1 239.1.1.1\n", reply, sizeof(reply));
	assert_string_equal(reply, "error EADDRNOTAVAIL not joined\n");
	/* parse errors never reach the handler */
	int before = handled;
	exchange(server, fd, "join tv1 nowhere\n", reply, sizeof(reply));
	assert_string_equal(reply, "error EINVAL group 'nowhere' is not an IPv4 or IPv6 address\n");
	assert_int_equal(handled, before);
	/* two requests in one write: two replies in order */
	exchange(server, fd, "join a 239.1.1.1\njoin b 239.1.1.1\n", reply, sizeof(reply));
	if (strcmp(reply, "ok join a\n") == 0)
		exchange(server, fd, "", reply, sizeof(reply));
	else
		assert_string_equal(reply, "ok join a\nok join b\n");
	/* an over-long line: one EMSGSIZE, then the connection still works */
	static char long_line[MRX_CTL_MAX_LINE * 2 + 2];
	memset(long_line, 'z', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	exchange(server, fd, long_line, reply, sizeof(reply));
	assert_string_equal(reply, "error EMSGSIZE request longer than 4095 bytes\n");
	exchange(server, fd, "help\n", reply, sizeof(reply));
	assert_int_equal(strncmp(reply, "ok", 2), 0);
	close(fd);

	mrx_ctl_server_close(server);
	assert_int_equal(access(path, F_OK), -1); /* removed */

	/* a stale socket file (nobody listening) is replaced */
	int stale = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(stale, (struct sockaddr *)&address, sizeof(address)), 0);
	close(stale);
	assert_int_equal(mrx_ctl_server_open(path, handler, NULL, &server, error, sizeof(error)), 0);
	mrx_ctl_server_close(server);

	/* a path that is a regular file is not removed */
	FILE *file = fopen(path, "w");
	fclose(file);
	assert_int_equal(mrx_ctl_server_open(path, handler, NULL, &server, error, sizeof(error)),
			 -EEXIST);
	assert_non_null(strstr(error, "not a socket"));
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}


static int open_server_and_client(const char *tag, struct mrx_ctl_server **server, char *path,
				  size_t path_size)
{
	snprintf(path, path_size, "/tmp/mrx_test_ctl_%s_%d.sock", tag, (int)getpid());
	unlink(path);
	char error[256];
	assert_int_equal(mrx_ctl_server_open(path, handler, NULL, server, error, sizeof(error)), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0);
	return fd;
}

/* Send text (reading replies as it goes, as a client must), poll the server
 * until `lines` status lines came back; count those that begin with prefix. */
static unsigned send_and_collect(struct mrx_ctl_server *server, int fd, const char *text,
				 size_t length, unsigned lines, const char *prefix, unsigned *matching)
{
	static char buffer[1 << 20];
	size_t used = 0, sent = 0;
	unsigned seen = 0;
	*matching = 0;
	for (int round = 0; round < 20000 && seen < lines; round++) {
		if (sent < length) {
			ssize_t n = send(fd, text + sent, length - sent < 512 ? length - sent : 512,
					 MSG_DONTWAIT);
			if (n > 0)
				sent += (size_t)n;
		}
		mrx_ctl_server_poll(server, 1);
		ssize_t got;
		while ((got = recv(fd, buffer + used, sizeof(buffer) - used - 1, MSG_DONTWAIT)) > 0)
			used += (size_t)got;
		buffer[used] = '\0';
		seen = 0;
		*matching = 0;
		for (char *line = buffer; *line != '\0';) {
			char *end = strchr(line, '\n');
			if (end == NULL)
				break;
			if (strncmp(line, "ok", 2) == 0 || strncmp(line, "error ", 6) == 0) {
				seen++;
				*matching += strncmp(line, prefix, strlen(prefix)) == 0;
			}
			line = end + 1;
		}
	}
	return seen;
}

/* At most MRX_CTL_MAX_REQUESTS_PER_SECOND lines a second per connection:
 * the rest answered EAGAIN, never carried out; the next second works. */
static void test_request_rate_bound(void **state)
{
	(void)state;
	char path[108];
	struct mrx_ctl_server *server = NULL;
	int fd = open_server_and_client("rate", &server, path, sizeof(path));
	const unsigned extra = 100, total = MRX_CTL_MAX_REQUESTS_PER_SECOND + extra;
	static const char join[] = "join a 239.1.1.1\n";
	static char text[(MRX_CTL_MAX_REQUESTS_PER_SECOND + 100) * sizeof(join)];
	size_t length = 0;
	for (unsigned i = 0; i < total; i++) {
		memcpy(text + length, join, sizeof(join) - 1);
		length += sizeof(join) - 1;
	}
	int before = handled;
	unsigned refused = 0;
	assert_int_equal(send_and_collect(server, fd, text, length, total,
					  "error EAGAIN more than 1000 requests", &refused), total);
	assert_int_equal(refused, extra);
	assert_int_equal(handled - before, (int)MRX_CTL_MAX_REQUESTS_PER_SECOND);
	/* A malformed line past the bound is refused the same way. */
	static char reply[MRX_CTL_MAX_LINE * 2];
	exchange(server, fd, "join a nowhere\n", reply, sizeof(reply));
	assert_string_equal(reply, "error EAGAIN more than 1000 requests in one second on this "
				   "connection: not carried out\n");
	/* Another connection has its own allowance. */
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	assert_int_equal(connect(other, (struct sockaddr *)&address, sizeof(address)), 0);
	exchange(server, other, "join b 239.1.1.1\n", reply, sizeof(reply));
	assert_string_equal(reply, "ok join b\n");
	close(other);
	/* A second later the first connection is served again. */
	usleep(1050 * 1000);
	before = handled;
	exchange(server, fd, join, reply, sizeof(reply));
	assert_string_equal(reply, "ok join a\n");
	assert_int_equal(handled - before, 1);
	close(fd);
	mrx_ctl_server_close(server);
}

/* Every malformed request (the parser's bad lines, sent over the socket)
 * gets one error line and never reaches the handler: nothing is changed. */
static void test_malformed_lines_change_nothing(void **state)
{
	(void)state;
	char path[108];
	struct mrx_ctl_server *server = NULL;
	int fd = open_server_and_client("malformed", &server, path, sizeof(path));
	static char reply[MRX_CTL_MAX_LINE * 2];
	static char text[MRX_CTL_MAX_LINE];
	unsigned sent = 0;
	int before = handled;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		if (strchr(bad_lines[i].line, '\n') != NULL)
			continue; /* two lines on the wire: each is a request of its own */
		snprintf(text, sizeof(text), "%s\n", bad_lines[i].line);
		exchange(server, fd, text, reply, sizeof(reply));
		if (strncmp(reply, "error E", 7) != 0 || strchr(reply, '\n') != reply + strlen(reply) - 1)
			fail_msg("'%s' answered '%s'", bad_lines[i].line, reply);
		sent++;
	}
	/* too many sources for one setsourcefilter: E2BIG, nothing set */
	size_t used = (size_t)snprintf(text, sizeof(text), "setsourcefilter s 239.1.1.1 include");
	for (unsigned i = 0; i <= MRX_CTL_MAX_SOURCES; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, " 10.0.%u.%u", i / 250, i % 250 + 1);
	snprintf(text + used, sizeof(text) - used, "\n");
	exchange(server, fd, text, reply, sizeof(reply));
	assert_int_equal(strncmp(reply, "error E2BIG", 11), 0);
	sent++;
	assert_true(sent > 20);
	assert_int_equal(handled, before);
	/* and the connection still serves a good request */
	exchange(server, fd, "help\n", reply, sizeof(reply));
	assert_int_equal(handled, before + 1);
	close(fd);
	mrx_ctl_server_close(server);
}


/* A client that pipelines requests and never reads its replies is
 * disconnected after a short wait; the server is not stalled (it runs on the
 * program's main loop) and other clients are served. */
static void test_unread_replies_disconnect(void **state)
{
	(void)state;
	char path[108];
	struct mrx_ctl_server *server = NULL;
	int fd = open_server_and_client("unread", &server, path, sizeof(path));
	static char text[800 * 5 + 1];
	for (unsigned i = 0; i < 800; i++)
		memcpy(text + i * 5, "show\n", 5);
	assert_int_equal(send(fd, text, 800 * 5, 0), 800 * 5);
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int round = 0; round < 20; round++)
		mrx_ctl_server_poll(server, 1);
	clock_gettime(CLOCK_MONOTONIC, &end);
	double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) * 1e-9;
	if (seconds > 2.0)
		fail_msg("the server waited %.1f s for a client that does not read", seconds);
	/* What the client finds: some replies, then the end of the connection. */
	static char buffer[1 << 20];
	size_t used = 0;
	bool closed = false;
	for (int round = 0; round < 1000 && !closed; round++) {
		ssize_t got = recv(fd, buffer + used, sizeof(buffer) - used, MSG_DONTWAIT);
		if (got == 0)
			closed = true;
		else if (got > 0)
			used += (size_t)got;
		else
			mrx_ctl_server_poll(server, 1);
	}
	assert_true(closed);
	unsigned replies = 0;
	for (size_t i = 0; i + 7 < used; i++)
		replies += memcmp(buffer + i, "ok show", 7) == 0;
	assert_true(replies > 0 && replies < 800);
	close(fd);
	/* Another client is served. */
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	assert_int_equal(connect(other, (struct sockaddr *)&address, sizeof(address)), 0);
	static char reply[MRX_CTL_MAX_LINE * 2];
	exchange(server, other, "join b 239.1.1.1\n", reply, sizeof(reply));
	assert_string_equal(reply, "ok join b\n");
	close(other);
	mrx_ctl_server_close(server);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_and_leave),
		cmocka_unit_test(test_block_unblock_filter),
		cmocka_unit_test(test_show_and_help),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_request_rate_bound),
		cmocka_unit_test(test_malformed_lines_change_nothing),
		cmocka_unit_test(test_unread_replies_disconnect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
