/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The control socket: the line parser (pure) and a small non-blocking
 * Unix-domain server that feeds complete lines to the program's handler.
 */
#include "control_socket.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- the parser ---- */

static const struct {
	const char *word;
	const char *arguments;
	const char *description;
} commands[] = {
#define MRX_CTL_ROW(name, word, arguments, text) {word, arguments, text},
	MRX_CTL_COMMANDS(MRX_CTL_ROW)
#undef MRX_CTL_ROW
};

const char *mrx_ctl_command_word(enum mrx_ctl_command command)
{
	return (unsigned)command < MRX_CTL_COMMAND_MAX ? commands[command].word : NULL;
}

const char *mrx_ctl_command_arguments(enum mrx_ctl_command command)
{
	return (unsigned)command < MRX_CTL_COMMAND_MAX ? commands[command].arguments : NULL;
}

const char *mrx_ctl_command_description(enum mrx_ctl_command command)
{
	return (unsigned)command < MRX_CTL_COMMAND_MAX ? commands[command].description : NULL;
}

#define MAX_WORDS (MRX_CTL_MAX_SOURCES + 8)

struct words {
	char buffer[MRX_CTL_MAX_LINE];
	char *word[MAX_WORDS];
	unsigned count;
};

__attribute__((format(printf, 4, 5))) static int parse_error(char *error, size_t error_size,
							      int code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	if (error_size > 0)
		vsnprintf(error, error_size, format, args);
	va_end(args);
	return code;
}

static int parse_address(const char *text, struct mrx_addr *out, int *family)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out->bytes, 0, 10);
		out->bytes[10] = 0xff;
		out->bytes[11] = 0xff;
		memcpy(&out->bytes[12], &v4, 4);
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		memcpy(out->bytes, &v6, 16);
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int parse_name(const char *text, const char *what, char *out, char *error,
		      size_t error_size)
{
	size_t length = strlen(text);
	if (length >= MRX_CTL_NAME_MAX)
		return parse_error(error, error_size, -EINVAL, "%s name '%.40s...' longer than %u",
				   what, text, MRX_CTL_NAME_MAX - 1);
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return parse_error(error, error_size, -EINVAL,
					   "%s name '%s' may hold only letters, digits, '-', '_', '.'",
					   what, text);
	}
	memcpy(out, text, length + 1);
	return 0;
}

int mrx_ctl_parse_line(const char *line, struct mrx_ctl_request *request, char *error,
		       size_t error_size)
{
	struct words words;
	size_t length = strnlen(line, MRX_CTL_MAX_LINE + 1);
	if (length > 0 && line[length - 1] == '\n')
		length--;
	if (length > 0 && line[length - 1] == '\r')
		length--;
	if (length > MRX_CTL_MAX_LINE - 1)
		return parse_error(error, error_size, -EMSGSIZE,
				   "request longer than %u bytes", MRX_CTL_MAX_LINE - 1);
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c != '\t' && (c < 0x20 || c == 0x7f))
			return parse_error(error, error_size, -EINVAL,
					   "control character 0x%02x at column %zu", c, i + 1);
	}
	memcpy(words.buffer, line, length);
	words.buffer[length] = '\0';
	words.count = 0;
	char *save = NULL;
	for (char *word = strtok_r(words.buffer, " \t", &save); word != NULL;
	     word = strtok_r(NULL, " \t", &save)) {
		if (words.count == MAX_WORDS)
			return parse_error(error, error_size, -E2BIG,
					   "more than %u sources", MRX_CTL_MAX_SOURCES);
		words.word[words.count++] = word;
	}
	if (words.count == 0)
		return parse_error(error, error_size, -EINVAL, "empty request (try 'help')");

	memset(request, 0, sizeof(*request));
	request->command = MRX_CTL_COMMAND_MAX;
	for (int c = 0; c < MRX_CTL_COMMAND_MAX; c++)
		if (strcmp(words.word[0], commands[c].word) == 0)
			request->command = (enum mrx_ctl_command)c;
	if (request->command == MRX_CTL_COMMAND_MAX)
		return parse_error(error, error_size, -EINVAL, "unknown command '%.64s' (try 'help')",
				   words.word[0]);
	const char *word0 = commands[request->command].word;
	const char *usage = commands[request->command].arguments;

	if (request->command == MRX_CTL_HELP) {
		if (words.count != 1)
			return parse_error(error, error_size, -EINVAL, "help takes no argument");
		return 0;
	}
	if (request->command == MRX_CTL_SHOW) {
		static const char *const what[] = {"", "sockets", "groups", "stats"};
		if (words.count > 2)
			return parse_error(error, error_size, -EINVAL, "usage: show %s", usage);
		if (words.count == 1)
			return 0;
		for (unsigned i = 1; i < sizeof(what) / sizeof(what[0]); i++)
			if (strcmp(words.word[1], what[i]) == 0) {
				request->show = (enum mrx_ctl_show)i;
				return 0;
			}
		return parse_error(error, error_size, -EINVAL,
				   "show: '%.64s' is not sockets, groups or stats", words.word[1]);
	}

	/* "on INTERFACE" closes any membership request */
	unsigned count = words.count;
	if (count >= 2 && strcmp(words.word[count - 2], "on") == 0) {
		int result = parse_name(words.word[count - 1], "interface", request->interface,
					error, error_size);
		if (result < 0)
			return result;
		count -= 2;
	}
	if (count < 3)
		return parse_error(error, error_size, -EINVAL, "usage: %s %s", word0, usage);
	int result = parse_name(words.word[1], "socket", request->socket, error, error_size);
	if (result < 0)
		return result;
	if (parse_address(words.word[2], &request->group, &request->group_family) < 0)
		return parse_error(error, error_size, -EINVAL,
				   "group '%.64s' is not an IPv4 or IPv6 address", words.word[2]);

	unsigned first_source = 3;
	switch (request->command) {
	case MRX_CTL_JOIN:
	case MRX_CTL_LEAVE:
		if (count > 4)
			return parse_error(error, error_size, -EINVAL, "usage: %s %s", word0, usage);
		request->has_source = count == 4;
		break;
	case MRX_CTL_BLOCK:
	case MRX_CTL_UNBLOCK:
		if (count != 4)
			return parse_error(error, error_size, -EINVAL, "usage: %s %s", word0, usage);
		request->has_source = true;
		break;
	case MRX_CTL_SETSOURCEFILTER:
		if (count < 4)
			return parse_error(error, error_size, -EINVAL, "usage: %s %s", word0, usage);
		if (strcasecmp(words.word[3], "include") == 0)
			request->mode = MRX_MODE_INCLUDE;
		else if (strcasecmp(words.word[3], "exclude") == 0)
			request->mode = MRX_MODE_EXCLUDE;
		else
			return parse_error(error, error_size, -EINVAL,
					   "mode '%.64s' is not include or exclude", words.word[3]);
		first_source = 4;
		break;
	default:
		return parse_error(error, error_size, -EINVAL, "usage: %s %s", word0, usage);
	}
	if (count - first_source > MRX_CTL_MAX_SOURCES)
		return parse_error(error, error_size, -E2BIG, "more than %u sources",
				   MRX_CTL_MAX_SOURCES);
	for (unsigned i = first_source; i < count; i++) {
		uint32_t index = request->source_count;
		if (parse_address(words.word[i], &request->sources[index],
				  &request->source_family[index]) < 0)
			return parse_error(error, error_size, -EINVAL,
					   "source '%.64s' is not an IPv4 or IPv6 address",
					   words.word[i]);
		request->source_count++;
	}
	return 0;
}

/* ---- replies ---- */

struct mrx_ctl_reply {
	char *text;
	size_t length;
	size_t capacity;
	bool finished;
	bool failed; /* out of memory: the client gets a short error */
};

static void reply_append(struct mrx_ctl_reply *reply, const char *prefix, const char *format,
			 va_list args)
{
	if (format == NULL)
		return;
	char probe[256];
	va_list copy;
	va_copy(copy, args);
	int needed = vsnprintf(probe, sizeof(probe), format, copy);
	va_end(copy);
	if (needed < 0)
		needed = 0;
	size_t total = strlen(prefix) + (size_t)needed + 2;
	if (reply->length + total > reply->capacity) {
		size_t capacity = (reply->capacity + total) * 2;
		char *grown = realloc(reply->text, capacity);
		if (grown == NULL) {
			reply->failed = true;
			return;
		}
		reply->text = grown;
		reply->capacity = capacity;
	}
	reply->length += (size_t)sprintf(reply->text + reply->length, "%s", prefix);
	reply->length += (size_t)vsnprintf(reply->text + reply->length,
					   reply->capacity - reply->length, format, args);
	reply->text[reply->length++] = '\n';
	reply->text[reply->length] = '\0';
}

void mrx_ctl_reply_line(struct mrx_ctl_reply *reply, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	if (!reply->finished)
		reply_append(reply, "  ", format, args);
	va_end(args);
}

void mrx_ctl_reply_ok(struct mrx_ctl_reply *reply, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	if (!reply->finished)
		reply_append(reply, format[0] ? "ok " : "ok", format, args);
	reply->finished = true;
	va_end(args);
}

void mrx_ctl_reply_error(struct mrx_ctl_reply *reply, int error, const char *format, ...)
{
	char prefix[64];
	const char *name = mrx_errno_name(error < 0 ? -error : error);
	snprintf(prefix, sizeof(prefix), "error %s ", name != NULL ? name : "EIO");
	va_list args;
	va_start(args, format);
	if (!reply->finished)
		reply_append(reply, prefix, format, args);
	reply->finished = true;
	va_end(args);
}

/* ---- the server ---- */

#define MAX_CLIENTS 16

struct client {
	int fd;               /* -1: free slot */
	size_t length;        /* bytes in buffer */
	bool discarding;      /* inside an over-long line: drop up to the newline */
	uint64_t window_start_ns; /* the request-rate window (CLOCK_MONOTONIC) */
	uint32_t window_requests; /* lines answered in it */
	char buffer[MRX_CTL_MAX_LINE];
};

struct mrx_ctl_server {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	mrx_ctl_handler handler;
	void *context;
	struct client clients[MAX_CLIENTS];
	struct mrx_ctl_request request; /* big: kept off the stack */
};

int mrx_ctl_server_open(const char *path, mrx_ctl_handler handler, void *context,
			struct mrx_ctl_server **out, char *error, size_t error_size)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int result;
	if (strlen(path) >= sizeof(address.sun_path))
		return parse_error(error, error_size, -ENAMETOOLONG,
				   "control socket path '%s' longer than %zu", path,
				   sizeof(address.sun_path) - 1);
	memcpy(address.sun_path, path, strlen(path) + 1);
	struct mrx_ctl_server *server = calloc(1, sizeof(*server));
	if (server == NULL)
		return parse_error(error, error_size, -ENOMEM, "out of memory");
	for (int i = 0; i < MAX_CLIENTS; i++)
		server->clients[i].fd = -1;
	memcpy(server->path, address.sun_path, sizeof(server->path));
	server->handler = handler;
	server->context = context;
	server->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (server->listen_fd < 0) {
		result = -errno;
		parse_error(error, error_size, result, "socket(AF_UNIX): %s", strerror(errno));
		goto free_server;
	}
	/* A socket file already there: live (someone answers) or stale. */
	struct stat status;
	if (lstat(path, &status) == 0) {
		if (!S_ISSOCK(status.st_mode)) {
			result = parse_error(error, error_size, -EEXIST,
					     "control socket path '%s' exists and is not a socket",
					     path);
			goto close_fd;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&address, sizeof(address)) == 0) {
			close(probe);
			result = parse_error(error, error_size, -EADDRINUSE,
					     "control socket '%s' is in use by a running mcastrx",
					     path);
			goto close_fd;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	/* owner-only from the first moment: no window with wider permissions */
	mode_t old_mask = umask(0177);
	int bound = bind(server->listen_fd, (struct sockaddr *)&address, sizeof(address));
	int bind_errno = errno;
	umask(old_mask);
	if (bound < 0) {
		result = -bind_errno;
		parse_error(error, error_size, result, "bind '%s': %s", path, strerror(bind_errno));
		goto close_fd;
	}
	if (chmod(path, 0600) < 0 || listen(server->listen_fd, MAX_CLIENTS) < 0) {
		result = -errno;
		parse_error(error, error_size, result, "listen '%s': %s", server->path,
			    strerror(-result));
		goto unlink_path;
	}
	*out = server;
	return 0;
unlink_path:
	unlink(path);
close_fd:
	close(server->listen_fd);
free_server:
	free(server);
	return result;
}

static void drop_client(struct client *client)
{
	close(client->fd);
	client->fd = -1;
	client->length = 0;
	client->discarding = false;
}

/* How long one reply may wait for a client that does not read: the
 * server runs on the program's main loop, so it never waits longer. */
#define REPLY_WAIT_MS 100

/* false: the client did not take the reply in time (or went away). */
static bool send_all(int fd, const char *data, size_t length)
{
	int waited_ms = 0;
	while (length > 0) {
		ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd wait = {.fd = fd, .events = POLLOUT};
			if (waited_ms >= REPLY_WAIT_MS || poll(&wait, 1, 10) < 0)
				return false;
			waited_ms += 10;
			continue;
		}
		if (sent <= 0)
			return false;
		data += sent;
		length -= (size_t)sent;
	}
	return true;
}

static uint64_t monotonic_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* One more line on this connection: false when past the rate bound. */
static bool within_rate(struct client *client)
{
	uint64_t now = monotonic_ns();
	if (client->window_requests == 0 || now - client->window_start_ns >= 1000000000ull) {
		client->window_start_ns = now;
		client->window_requests = 0;
	}
	return ++client->window_requests <= MRX_CTL_MAX_REQUESTS_PER_SECOND;
}

static void answer(struct mrx_ctl_server *server, struct client *client, const char *line,
		   bool too_long)
{
	struct mrx_ctl_reply reply = {0};
	char error[256];
	bool allowed = within_rate(client);
	int result = !allowed ? -EAGAIN
		     : too_long ? -EMSGSIZE
				: mrx_ctl_parse_line(line, &server->request, error, sizeof(error));
	if (!allowed)
		snprintf(error, sizeof(error),
			 "more than %u requests in one second on this connection: not carried out",
			 MRX_CTL_MAX_REQUESTS_PER_SECOND);
	else if (too_long)
		snprintf(error, sizeof(error), "request longer than %u bytes", MRX_CTL_MAX_LINE - 1);
	if (result < 0)
		mrx_ctl_reply_error(&reply, result, "%s", error);
	else
		server->handler(server->context, &server->request, &reply);
	if (!reply.finished)
		mrx_ctl_reply_error(&reply, EIO, "the request got no answer");
	static const char out_of_memory[] = "error ENOMEM out of memory\n";
	bool delivered = reply.failed ? send_all(client->fd, out_of_memory, sizeof(out_of_memory) - 1)
				      : send_all(client->fd, reply.text, reply.length);
	free(reply.text);
	/* A client that leaves its replies unread is disconnected rather
	 * than stalling the server (and every other client) again. */
	if (!delivered)
		drop_client(client);
}

/* Read what is there; answer each complete line. */
static void serve_client(struct mrx_ctl_server *server, struct client *client)
{
	for (;;) {
		ssize_t got = recv(client->fd, client->buffer + client->length,
				   sizeof(client->buffer) - client->length, MSG_DONTWAIT);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (got <= 0) {
			drop_client(client);
			return;
		}
		client->length += (size_t)got;
		size_t start = 0;
		for (size_t i = 0; i < client->length; i++) {
			if (client->buffer[i] != '\n')
				continue;
			client->buffer[i] = '\0';
			if (client->discarding)
				client->discarding = false;
			else
				answer(server, client, client->buffer + start, false);
			if (client->fd < 0)
				return;
			start = i + 1;
		}
		memmove(client->buffer, client->buffer + start, client->length - start);
		client->length -= start;
		if (client->length == sizeof(client->buffer)) {
			/* no newline within the limit: answer once, skip the rest */
			if (!client->discarding)
				answer(server, client, NULL, true);
			client->discarding = true;
			client->length = 0;
		}
	}
}

void mrx_ctl_server_poll(struct mrx_ctl_server *server, int timeout_ms)
{
	struct pollfd fds[MAX_CLIENTS + 1];
	int slot_of[MAX_CLIENTS + 1];
	nfds_t count = 0;
	fds[count] = (struct pollfd){.fd = server->listen_fd, .events = POLLIN};
	slot_of[count++] = -1;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (server->clients[i].fd < 0)
			continue;
		fds[count] = (struct pollfd){.fd = server->clients[i].fd, .events = POLLIN};
		slot_of[count++] = i;
	}
	if (poll(fds, count, timeout_ms) <= 0)
		return;
	for (nfds_t i = 1; i < count; i++)
		if (fds[i].revents != 0)
			serve_client(server, &server->clients[slot_of[i]]);
	if (fds[0].revents & POLLIN) {
		for (;;) {
			int fd = accept4(server->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			int slot = -1;
			for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
				if (server->clients[i].fd < 0)
					slot = i;
			if (slot < 0) {
				static const char busy[] = "error EBUSY too many control clients\n";
				send_all(fd, busy, sizeof(busy) - 1);
				close(fd);
				continue;
			}
			server->clients[slot].fd = fd;
			server->clients[slot].length = 0;
			server->clients[slot].discarding = false;
			server->clients[slot].window_requests = 0;
			serve_client(server, &server->clients[slot]);
		}
	}
}

void mrx_ctl_server_close(struct mrx_ctl_server *server)
{
	if (server == NULL)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (server->clients[i].fd >= 0)
			drop_client(&server->clients[i]);
	close(server->listen_fd);
	unlink(server->path);
	free(server);
}
