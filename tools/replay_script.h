/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The mcastrx-replay script language: parsing a whole script into a list of
 * operations before anything runs, so that a script error is reported (file
 * and line) without any operation having been performed.
 *
 * Shared by tools/mcastrx-replay.c (runs the operations on the engine) and
 * tests/replay/linux_replay.c (runs the same operations on kernel sockets).
 */
#ifndef MRX_REPLAY_SCRIPT_H
#define MRX_REPLAY_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "mrx_control.h"
#include "wire.h"

/* Script socket numbers run from 0 to this, exclusive. */
#define REPLAY_MAX_SCRIPT_SOCKETS 65536u

/* How an option's argument is laid out, as an application would build it. */
enum replay_argument {
	REPLAY_ARG_GROUP_REQ,        /* struct group_req */
	REPLAY_ARG_GROUP_SOURCE_REQ, /* struct group_source_req */
	REPLAY_ARG_IP_MREQ,          /* struct ip_mreq */
	REPLAY_ARG_IP_MREQ_SOURCE,   /* struct ip_mreq_source */
	REPLAY_ARG_IPV6_MREQ,        /* struct ipv6_mreq */
};

/* Which level the option is set at. */
enum replay_level {
	REPLAY_LEVEL_SOCKET_FAMILY, /* IPPROTO_IP on inet, IPPROTO_IPV6 on inet6 */
	REPLAY_LEVEL_IP,            /* always IPPROTO_IP */
	REPLAY_LEVEL_IPV6,          /* always IPPROTO_IPV6 */
};

struct replay_option {
	const char *name;
	int option; /* the <netinet/in.h> number */
	enum replay_argument argument;
	enum replay_level level;
};

enum replay_op_kind {
	REPLAY_OP_SOCK,
	REPLAY_OP_CLOSE,
	REPLAY_OP_SLEEP,
	REPLAY_OP_OPTION,
	REPLAY_OP_SET_SOURCE_FILTER,
	REPLAY_OP_GET_SOURCE_FILTER,
	REPLAY_OP_QUERY,
	REPLAY_OP_RX,
};

struct replay_op {
	enum replay_op_kind kind;
	unsigned line;
	char *text; /* the operation's words joined by one space */
	unsigned socket; /* script socket number (all but sleep, query, rx) */
	int family;      /* sock: AF_INET or AF_INET6 */
	uint64_t sleep_ms;
	const struct replay_option *option;
	struct sockaddr_storage group;
	socklen_t group_length;
	struct sockaddr_storage source; /* option with a source */
	uint32_t mode;                  /* setsourcefilter: MCAST_INCLUDE / MCAST_EXCLUDE */
	uint32_t source_count;          /* setsourcefilter */
	struct sockaddr_storage *sources;
	/* query: the spec (its sources point into query_sources) */
	struct mrx_wire_query_spec query;
	struct mrx_addr *query_sources;
	uint32_t truncate; /* 0: whole frame */
	char *path;        /* rx: resolved against the script's folder */
};

struct replay_script {
	struct replay_op *ops;
	size_t count;
};

/* Parse a script file. On a script error prints "FILE:LINE: message" to
 * stderr and returns 2; when the file cannot be read returns 3; else 0.
 * The socket numbers are checked too: an operation on a socket number
 * that is not open at that point of the script is an error. */
int replay_script_load(const char *path, struct replay_script *script);
void replay_script_free(struct replay_script *script);

/* The option table, for --help. */
extern const struct replay_option replay_options[];
extern const size_t replay_option_count;

/* Parse an IPv4 or IPv6 address in text form into a sockaddr; false if it
 * is neither. */
bool replay_parse_sockaddr(const char *text, struct sockaddr_storage *out, socklen_t *length);

/* Format a sockaddr_in / sockaddr_in6 address (no port). */
const char *replay_format_sockaddr(const struct sockaddr_storage *address, char *buffer,
				   size_t size);

#endif
