/* SPDX-License-Identifier: BSD-3-Clause
 *
 * mcastrx's runtime control: a Unix-domain stream socket (mode 0600) that
 * speaks a line protocol, and the pure parser of that protocol.
 *
 * Protocol: one request per line (at most MRX_CTL_MAX_LINE bytes with the
 * newline), words separated by blanks:
 *   join SOCKET GROUP [SOURCE] [on INTERFACE]
 *   leave SOCKET GROUP [SOURCE] [on INTERFACE]
 *   block SOCKET GROUP SOURCE [on INTERFACE]
 *   unblock SOCKET GROUP SOURCE [on INTERFACE]
 *   setsourcefilter SOCKET GROUP include|exclude [SOURCE...] [on INTERFACE]
 *   show [sockets|groups|stats]
 *   help
 * SOCKET is a socket's name from the configuration; INTERFACE an
 * interface's name (default: the socket's own).
 * Each reply is zero or more body lines, each beginning with two spaces,
 * then one status line: "ok[ TEXT]" or "error ERRNO_NAME MESSAGE"
 * (e.g. "error EADDRNOTAVAIL 239.1.1.1 is already joined").
 */
#ifndef MRX_CONTROL_SOCKET_H
#define MRX_CONTROL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mrx_control.h"

#define MRX_CTL_MAX_LINE 4096u   /* bytes of one request, newline included */
#define MRX_CTL_MAX_SOURCES 256u /* sources in one setsourcefilter */
#define MRX_CTL_NAME_MAX 32u
/* Requests (any line, good or bad) one connection may make in a second;
 * past it each line is answered "error EAGAIN ..." and not carried out. */
#define MRX_CTL_MAX_REQUESTS_PER_SECOND 1000u

/* Commands: enum suffix, word, arguments, what it does. */
#define MRX_CTL_COMMANDS(X)                                                                  \
	X(JOIN, "join", "SOCKET GROUP [SOURCE] [on INTERFACE]",                                  \
	  "join the group (any-source) or the (group, source) pair (source-specific)")           \
	X(LEAVE, "leave", "SOCKET GROUP [SOURCE] [on INTERFACE]",                                \
	  "leave the group, or one source of a source-specific membership")                      \
	X(BLOCK, "block", "SOCKET GROUP SOURCE [on INTERFACE]",                                  \
	  "stop receiving SOURCE on an any-source membership")                                   \
	X(UNBLOCK, "unblock", "SOCKET GROUP SOURCE [on INTERFACE]", "undo a block")             \
	X(SETSOURCEFILTER, "setsourcefilter",                                                    \
	  "SOCKET GROUP include|exclude [SOURCE...] [on INTERFACE]",                             \
	  "set the whole filter (RFC 3678 final-state API); include with no source leaves")    \
	X(SHOW, "show", "[sockets|groups|stats]", "print memberships, groups and counters")     \
	X(HELP, "help", "", "list the commands")

enum mrx_ctl_command {
#define MRX_CTL_ENUM(name, word, arguments, text) MRX_CTL_##name,
	MRX_CTL_COMMANDS(MRX_CTL_ENUM)
#undef MRX_CTL_ENUM
	MRX_CTL_COMMAND_MAX
};

enum mrx_ctl_show {
	MRX_CTL_SHOW_ALL = 0,
	MRX_CTL_SHOW_SOCKETS,
	MRX_CTL_SHOW_GROUPS,
	MRX_CTL_SHOW_STATS,
};

struct mrx_ctl_request {
	enum mrx_ctl_command command;
	char socket[MRX_CTL_NAME_MAX];
	char interface[MRX_CTL_NAME_MAX]; /* empty: the socket's interface */
	int group_family;                 /* AF_INET / AF_INET6 */
	struct mrx_addr group;            /* IPv4 mapped, as everywhere */
	bool has_source;                  /* join / leave with a SOURCE */
	/* join/leave/block/unblock: sources[0]; setsourcefilter: all */
	enum mrx_filter_mode mode;
	uint32_t source_count;
	int source_family[MRX_CTL_MAX_SOURCES];
	struct mrx_addr sources[MRX_CTL_MAX_SOURCES];
	enum mrx_ctl_show show;
};

/* The word and argument synopsis of a command ("join", "SOCKET GROUP ...");
 * NULL when out of range. */
const char *mrx_ctl_command_word(enum mrx_ctl_command command);
const char *mrx_ctl_command_arguments(enum mrx_ctl_command command);
const char *mrx_ctl_command_description(enum mrx_ctl_command command);

/* Parse one request line (no newline needed; a trailing "\n" or "\r\n" is
 * accepted). Pure: no I/O, no global state. Returns 0 and fills *request,
 * or -EMSGSIZE (longer than MRX_CTL_MAX_LINE - 1), -EINVAL (bad syntax,
 * an address that does not parse), -E2BIG (more than MRX_CTL_MAX_SOURCES
 * sources) with a message naming the offending word in error. Whether a
 * group is multicast, a source unicast, and the socket's state are the
 * engine's to judge (the parser only reads text). */
int mrx_ctl_parse_line(const char *line, struct mrx_ctl_request *request, char *error,
		       size_t error_size);

/* ---- the server ---- */

struct mrx_ctl_server;
struct mrx_ctl_reply;

/* Carry out a parsed request; write body lines with mrx_ctl_reply_line and
 * finish with exactly one mrx_ctl_reply_ok or mrx_ctl_reply_error. */
typedef void (*mrx_ctl_handler)(void *context, const struct mrx_ctl_request *request,
				struct mrx_ctl_reply *reply);

void mrx_ctl_reply_line(struct mrx_ctl_reply *reply, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
void mrx_ctl_reply_ok(struct mrx_ctl_reply *reply, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* error is a positive or negative errno; its name comes from mrx_errno_name. */
void mrx_ctl_reply_error(struct mrx_ctl_reply *reply, int error, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Listen on path (mode 0600; a stale socket file left by a dead process is
 * replaced, a live one is -EADDRINUSE). Returns 0 or -errno with a message. */
int mrx_ctl_server_open(const char *path, mrx_ctl_handler handler, void *context,
			struct mrx_ctl_server **server, char *error, size_t error_size);

/* Accept clients and answer every complete request line; never blocks
 * longer than timeout_ms waiting (0: just poll). A connection's lines past
 * MRX_CTL_MAX_REQUESTS_PER_SECOND in one second (a window that starts at
 * its first line after the previous window ended) are answered
 * "error EAGAIN ..." without reaching the handler. A client that leaves
 * its replies unread (its socket full for 100 ms) is disconnected: the
 * server never stalls the program's main loop for it. */
void mrx_ctl_server_poll(struct mrx_ctl_server *server, int timeout_ms);

/* Close every client and the listening socket, and remove the path. */
void mrx_ctl_server_close(struct mrx_ctl_server *server);

#endif
