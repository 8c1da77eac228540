/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Parsing mcastrx-replay scripts (see replay_script.h and mcastrx-replay --help).
 */
#include "replay_script.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct replay_option replay_options[] = {
	{"MCAST_JOIN_GROUP", MCAST_JOIN_GROUP, REPLAY_ARG_GROUP_REQ, REPLAY_LEVEL_SOCKET_FAMILY},
	{"MCAST_LEAVE_GROUP", MCAST_LEAVE_GROUP, REPLAY_ARG_GROUP_REQ, REPLAY_LEVEL_SOCKET_FAMILY},
	{"MCAST_BLOCK_SOURCE", MCAST_BLOCK_SOURCE, REPLAY_ARG_GROUP_SOURCE_REQ,
	 REPLAY_LEVEL_SOCKET_FAMILY},
	{"MCAST_UNBLOCK_SOURCE", MCAST_UNBLOCK_SOURCE, REPLAY_ARG_GROUP_SOURCE_REQ,
	 REPLAY_LEVEL_SOCKET_FAMILY},
	{"MCAST_JOIN_SOURCE_GROUP", MCAST_JOIN_SOURCE_GROUP, REPLAY_ARG_GROUP_SOURCE_REQ,
	 REPLAY_LEVEL_SOCKET_FAMILY},
	{"MCAST_LEAVE_SOURCE_GROUP", MCAST_LEAVE_SOURCE_GROUP, REPLAY_ARG_GROUP_SOURCE_REQ,
	 REPLAY_LEVEL_SOCKET_FAMILY},
	{"IPV6_ADD_MEMBERSHIP", IPV6_ADD_MEMBERSHIP, REPLAY_ARG_IPV6_MREQ, REPLAY_LEVEL_IPV6},
	{"IPV6_JOIN_GROUP", IPV6_ADD_MEMBERSHIP, REPLAY_ARG_IPV6_MREQ, REPLAY_LEVEL_IPV6},
	{"IPV6_DROP_MEMBERSHIP", IPV6_DROP_MEMBERSHIP, REPLAY_ARG_IPV6_MREQ, REPLAY_LEVEL_IPV6},
	{"IPV6_LEAVE_GROUP", IPV6_DROP_MEMBERSHIP, REPLAY_ARG_IPV6_MREQ, REPLAY_LEVEL_IPV6},
	{"IP_ADD_MEMBERSHIP", IP_ADD_MEMBERSHIP, REPLAY_ARG_IP_MREQ, REPLAY_LEVEL_IP},
	{"IP_DROP_MEMBERSHIP", IP_DROP_MEMBERSHIP, REPLAY_ARG_IP_MREQ, REPLAY_LEVEL_IP},
	{"IP_ADD_SOURCE_MEMBERSHIP", IP_ADD_SOURCE_MEMBERSHIP, REPLAY_ARG_IP_MREQ_SOURCE,
	 REPLAY_LEVEL_IP},
	{"IP_DROP_SOURCE_MEMBERSHIP", IP_DROP_SOURCE_MEMBERSHIP, REPLAY_ARG_IP_MREQ_SOURCE,
	 REPLAY_LEVEL_IP},
	{"IP_BLOCK_SOURCE", IP_BLOCK_SOURCE, REPLAY_ARG_IP_MREQ_SOURCE, REPLAY_LEVEL_IP},
	{"IP_UNBLOCK_SOURCE", IP_UNBLOCK_SOURCE, REPLAY_ARG_IP_MREQ_SOURCE, REPLAY_LEVEL_IP},
};
const size_t replay_option_count = sizeof(replay_options) / sizeof(replay_options[0]);

#define MAX_WORDS 4096

struct parser {
	const char *path;
	unsigned line;
	bool open[REPLAY_MAX_SCRIPT_SOCKETS];
	char *folder; /* the script's folder, for rx paths */
};

static int script_error(const struct parser *parser, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
static int script_error(const struct parser *parser, const char *format, ...)
{
	va_list args;
	fprintf(stderr, "%s:%u: ", parser->path, parser->line);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	return 2;
}

bool replay_parse_sockaddr(const char *text, struct sockaddr_storage *out, socklen_t *length)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		*length = sizeof(*v4);
		return true;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		*length = sizeof(*v6);
		return true;
	}
	return false;
}

const char *replay_format_sockaddr(const struct sockaddr_storage *address, char *buffer,
				   size_t size)
{
	const void *bytes = address->ss_family == AF_INET
				    ? (const void *)&((const struct sockaddr_in *)address)->sin_addr
				    : (const void *)&((const struct sockaddr_in6 *)address)->sin6_addr;
	if (!inet_ntop(address->ss_family, bytes, buffer, (socklen_t)size))
		snprintf(buffer, size, "?");
	return buffer;
}

/* A whole decimal number in [minimum, maximum]. */
static bool parse_number(const char *text, uint64_t minimum, uint64_t maximum, uint64_t *out)
{
	if (text[0] < '0' || text[0] > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || *end || value < minimum || value > maximum)
		return false;
	*out = value;
	return true;
}

static int parse_socket_number(struct parser *parser, const char *text, bool must_be_open,
			       unsigned *out)
{
	uint64_t value;
	if (!parse_number(text, 0, REPLAY_MAX_SCRIPT_SOCKETS - 1, &value))
		return script_error(parser, "bad socket number '%s' (0 to %u)", text,
				    REPLAY_MAX_SCRIPT_SOCKETS - 1);
	if (must_be_open && !parser->open[value])
		return script_error(parser, "socket %s is not open", text);
	*out = (unsigned)value;
	return 0;
}

static int parse_address(struct parser *parser, const char *what, const char *text,
			 struct sockaddr_storage *out, socklen_t *length)
{
	socklen_t ignored;
	if (!replay_parse_sockaddr(text, out, length ? length : &ignored))
		return script_error(parser, "bad %s address '%s'", what, text);
	return 0;
}

static void to_mrx_addr(const struct sockaddr_storage *address, struct mrx_addr *out)
{
	if (address->ss_family == AF_INET)
		mrx_addr_from_in(out, ((const struct sockaddr_in *)address)->sin_addr);
	else
		mrx_addr_from_in6(out, &((const struct sockaddr_in6 *)address)->sin6_addr);
}

/* An address of the query's family, as struct mrx_addr. */
static int parse_query_address(struct parser *parser, const char *what, const char *text,
			       int family, struct mrx_addr *out)
{
	struct sockaddr_storage address;
	int result = parse_address(parser, what, text, &address, NULL);
	if (result)
		return result;
	if (address.ss_family != family)
		return script_error(parser, "%s address '%s' is not of the query's family", what,
				    text);
	to_mrx_addr(&address, out);
	return 0;
}

static int parse_option(struct parser *parser, struct replay_op *op, char **words, size_t count)
{
	const struct replay_option *option = NULL;
	for (size_t i = 0; i < replay_option_count; i++)
		if (!strcmp(words[0], replay_options[i].name))
			option = &replay_options[i];
	if (!option)
		return script_error(parser, "unknown operation '%s'", words[0]);
	bool with_source = option->argument == REPLAY_ARG_GROUP_SOURCE_REQ ||
			   option->argument == REPLAY_ARG_IP_MREQ_SOURCE;
	size_t wanted = with_source ? 4 : 3;
	if (count != wanted)
		return script_error(parser, "%s takes %s", option->name,
				    with_source ? "N GROUP SOURCE" : "N GROUP");
	op->kind = REPLAY_OP_OPTION;
	op->option = option;
	int result = parse_socket_number(parser, words[1], true, &op->socket);
	if (!result)
		result = parse_address(parser, "group", words[2], &op->group, &op->group_length);
	if (!result && with_source)
		result = parse_address(parser, "source", words[3], &op->source, NULL);
	if (result)
		return result;
	/* The IPv4 and IPv6 structures can only hold their own family. */
	int needed = option->argument == REPLAY_ARG_IPV6_MREQ ? AF_INET6
		     : option->argument == REPLAY_ARG_IP_MREQ ||
				     option->argument == REPLAY_ARG_IP_MREQ_SOURCE
			     ? AF_INET
			     : 0;
	if (needed && (op->group.ss_family != needed ||
		       (with_source && op->source.ss_family != needed)))
		return script_error(parser, "%s holds only %s addresses", option->name,
				    needed == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static int parse_set_source_filter(struct parser *parser, struct replay_op *op, char **words,
				   size_t count)
{
	if (count < 4)
		return script_error(parser, "setsourcefilter takes N GROUP include|exclude [SOURCE ...]");
	op->kind = REPLAY_OP_SET_SOURCE_FILTER;
	int result = parse_socket_number(parser, words[1], true, &op->socket);
	if (!result)
		result = parse_address(parser, "group", words[2], &op->group, &op->group_length);
	if (result)
		return result;
	if (!strcmp(words[3], "include"))
		op->mode = MCAST_INCLUDE;
	else if (!strcmp(words[3], "exclude"))
		op->mode = MCAST_EXCLUDE;
	else
		return script_error(parser, "filter mode '%s' is neither include nor exclude",
				    words[3]);
	op->source_count = (uint32_t)(count - 4);
	op->sources = calloc(op->source_count ? op->source_count : 1, sizeof(*op->sources));
	if (!op->sources)
		return script_error(parser, "out of memory");
	for (uint32_t i = 0; i < op->source_count; i++) {
		result = parse_address(parser, "source", words[4 + i], &op->sources[i], NULL);
		if (result)
			return result;
	}
	return 0;
}

struct query_version {
	const char *name;
	int family;
	uint8_t version;
	uint32_t default_code;   /* 10 s Query Response Interval, RFC 3376 8.3 / RFC 3810 9.3 */
	uint32_t maximum_code;
};

static const struct query_version query_versions[] = {
	{"igmp3", AF_INET, 3, 100, 255},
	{"igmp2", AF_INET, 2, 100, 255},
	{"igmp1", AF_INET, 1, 0, 255},
	{"mld2", AF_INET6, 2, 10000, 65535},
	{"mld1", AF_INET6, 1, 10000, 65535},
};

static int parse_query(struct parser *parser, struct replay_op *op, char **words, size_t count)
{
	if (count < 2)
		return script_error(parser, "query takes igmp3|igmp2|igmp1|mld2|mld1 [options]");
	const struct query_version *version = NULL;
	for (size_t i = 0; i < sizeof(query_versions) / sizeof(query_versions[0]); i++)
		if (!strcmp(words[1], query_versions[i].name))
			version = &query_versions[i];
	if (!version)
		return script_error(parser, "unknown query version '%s'", words[1]);
	op->kind = REPLAY_OP_QUERY;
	struct mrx_wire_query_spec *spec = &op->query;
	memset(spec, 0, sizeof(*spec));
	spec->family = version->family;
	spec->version = version->version;
	spec->max_response_code = version->default_code;
	spec->robustness = MRX_DEFAULT_ROBUSTNESS;
	spec->query_interval_code = (uint8_t)(MRX_DEFAULT_QUERY_INTERVAL_MS / 1000);
	for (size_t i = 2; i < count; i++) {
		const char *flag = words[i];
		const char *value = i + 1 < count ? words[i + 1] : NULL;
		uint64_t number;
		int result = 0;
		bool takes_value = true;
		if (!strcmp(flag, "--sflag")) {
			spec->suppress_router_processing = true;
			takes_value = false;
		} else if (!strcmp(flag, "--no-ra")) {
			spec->no_router_alert = true;
			takes_value = false;
		} else if (!strcmp(flag, "--bad-cksum")) {
			spec->bad_checksum = true;
			takes_value = false;
		} else if (strcmp(flag, "--group") && strcmp(flag, "--src") && strcmp(flag, "--dst") &&
			   strcmp(flag, "--sources") && strcmp(flag, "--mrc") && strcmp(flag, "--qrv") &&
			   strcmp(flag, "--qqic") && strcmp(flag, "--ttl") && strcmp(flag, "--truncate")) {
			return script_error(parser, "unknown query option '%s'", flag);
		} else if (!value) {
			return script_error(parser, "query option '%s' needs a value", flag);
		} else if (!strcmp(flag, "--group")) {
			result = parse_query_address(parser, "group", value, spec->family,
						     &spec->group);
		} else if (!strcmp(flag, "--src")) {
			result = parse_query_address(parser, "source", value, spec->family,
						     &spec->ip_source);
		} else if (!strcmp(flag, "--dst")) {
			result = parse_query_address(parser, "destination", value, spec->family,
						     &spec->ip_destination);
		} else if (!strcmp(flag, "--sources")) {
			size_t n = 1;
			for (const char *c = value; *c; c++)
				n += *c == ',';
			free(op->query_sources);
			op->query_sources = calloc(n, sizeof(*op->query_sources));
			if (!op->query_sources)
				return script_error(parser, "out of memory");
			char *copy = strdup(value), *save = NULL;
			if (!copy)
				return script_error(parser, "out of memory");
			size_t k = 0;
			for (char *item = strtok_r(copy, ",", &save); item && !result;
			     item = strtok_r(NULL, ",", &save))
				result = parse_query_address(parser, "query source", item,
							     spec->family, &op->query_sources[k++]);
			free(copy);
			if (!result && k != n)
				result = script_error(parser, "empty item in --sources '%s'", value);
			spec->sources = op->query_sources;
			spec->source_count = (uint32_t)n;
		} else if (!strcmp(flag, "--mrc")) {
			if (!parse_number(value, 0, version->maximum_code, &number))
				return script_error(parser, "bad --mrc '%s' (0 to %u)", value,
						    version->maximum_code);
			spec->max_response_code = (uint32_t)number;
		} else if (!strcmp(flag, "--qrv")) {
			if (!parse_number(value, 0, 7, &number))
				return script_error(parser, "bad --qrv '%s' (0 to 7)", value);
			spec->robustness = (uint8_t)number;
		} else if (!strcmp(flag, "--qqic")) {
			if (!parse_number(value, 0, 255, &number))
				return script_error(parser, "bad --qqic '%s' (0 to 255)", value);
			spec->query_interval_code = (uint8_t)number;
		} else if (!strcmp(flag, "--ttl")) {
			if (!parse_number(value, 1, 255, &number))
				return script_error(parser, "bad --ttl '%s' (1 to 255)", value);
			spec->ttl = (uint8_t)number;
		} else if (!strcmp(flag, "--truncate")) {
			if (!parse_number(value, 1, MRX_WIRE_MAX_FRAME, &number))
				return script_error(parser, "bad --truncate '%s' (1 to %u bytes)",
						    value, MRX_WIRE_MAX_FRAME);
			op->truncate = (uint32_t)number;
		} else {
			return script_error(parser, "unknown query option '%s'", flag);
		}
		if (result)
			return result;
		if (takes_value)
			i++;
	}
	return 0;
}

static int parse_line(struct parser *parser, struct replay_op *op, char **words, size_t count)
{
	const char *name = words[0];
	uint64_t number;
	int result;
	if (!strcmp(name, "sock")) {
		if (count != 3)
			return script_error(parser, "sock takes N inet|inet6");
		op->kind = REPLAY_OP_SOCK;
		result = parse_socket_number(parser, words[1], false, &op->socket);
		if (result)
			return result;
		if (parser->open[op->socket])
			return script_error(parser, "socket %u is already open", op->socket);
		if (!strcmp(words[2], "inet"))
			op->family = AF_INET;
		else if (!strcmp(words[2], "inet6"))
			op->family = AF_INET6;
		else
			return script_error(parser, "socket family '%s' is neither inet nor inet6",
					    words[2]);
		parser->open[op->socket] = true;
		return 0;
	}
	if (!strcmp(name, "close")) {
		if (count != 2)
			return script_error(parser, "close takes N");
		op->kind = REPLAY_OP_CLOSE;
		result = parse_socket_number(parser, words[1], true, &op->socket);
		if (!result)
			parser->open[op->socket] = false;
		return result;
	}
	if (!strcmp(name, "sleep")) {
		if (count != 2)
			return script_error(parser, "sleep takes MS");
		/* Up to ten years: keeps every nanosecond sum far below 2^64. */
		if (!parse_number(words[1], 0, 315360000000ull, &number))
			return script_error(parser, "bad sleep time '%s' (milliseconds)", words[1]);
		op->kind = REPLAY_OP_SLEEP;
		op->sleep_ms = number;
		return 0;
	}
	if (!strcmp(name, "setsourcefilter"))
		return parse_set_source_filter(parser, op, words, count);
	if (!strcmp(name, "getsourcefilter")) {
		if (count != 3)
			return script_error(parser, "getsourcefilter takes N GROUP");
		op->kind = REPLAY_OP_GET_SOURCE_FILTER;
		result = parse_socket_number(parser, words[1], true, &op->socket);
		if (!result)
			result = parse_address(parser, "group", words[2], &op->group,
					       &op->group_length);
		return result;
	}
	if (!strcmp(name, "query"))
		return parse_query(parser, op, words, count);
	if (!strcmp(name, "rx")) {
		if (count != 2)
			return script_error(parser, "rx takes FILE.pcap");
		op->kind = REPLAY_OP_RX;
		if (words[1][0] == '/' || !parser->folder)
			op->path = strdup(words[1]);
		else if (asprintf(&op->path, "%s/%s", parser->folder, words[1]) < 0)
			op->path = NULL;
		if (!op->path)
			return script_error(parser, "out of memory");
		return 0;
	}
	return parse_option(parser, op, words, count);
}

static char *join_words(char **words, size_t count)
{
	size_t length = 1;
	for (size_t i = 0; i < count; i++)
		length += strlen(words[i]) + 1;
	char *text = malloc(length);
	if (!text)
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		if (i)
			strcat(text, " ");
		strcat(text, words[i]);
	}
	return text;
}

int replay_script_load(const char *path, struct replay_script *script)
{
	memset(script, 0, sizeof(*script));
	FILE *file = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!file) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		return 3;
	}
	struct parser *parser = calloc(1, sizeof(*parser));
	char **words = calloc(MAX_WORDS, sizeof(*words));
	size_t capacity = 0;
	char *line = NULL;
	size_t line_capacity = 0;
	int status = 0;
	if (!parser || !words) {
		fprintf(stderr, "%s: out of memory\n", path);
		status = 3;
		goto out;
	}
	parser->path = path;
	if (file != stdin) {
		char *copy = strdup(path);
		if (copy) {
			parser->folder = strdup(dirname(copy));
			free(copy);
		}
	}
	while (getline(&line, &line_capacity, file) >= 0) {
		parser->line++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		size_t count = 0;
		char *save = NULL;
		for (char *word = strtok_r(line, " \t\r\n", &save); word;
		     word = strtok_r(NULL, " \t\r\n", &save)) {
			if (count == MAX_WORDS) {
				status = script_error(parser, "more than %d words", MAX_WORDS);
				goto out;
			}
			words[count++] = word;
		}
		if (!count)
			continue;
		if (script->count == capacity) {
			capacity = capacity ? 2 * capacity : 64;
			struct replay_op *grown = realloc(script->ops, capacity * sizeof(*grown));
			if (!grown) {
				status = script_error(parser, "out of memory");
				goto out;
			}
			script->ops = grown;
		}
		struct replay_op *op = &script->ops[script->count++];
		memset(op, 0, sizeof(*op));
		op->line = parser->line;
		op->text = join_words(words, count);
		if (!op->text) {
			status = script_error(parser, "out of memory");
			goto out;
		}
		status = parse_line(parser, op, words, count);
		if (status)
			goto out;
	}
	if (ferror(file)) {
		fprintf(stderr, "%s: read error: %s\n", path, strerror(errno));
		status = 3;
	}
out:
	if (file != stdin)
		fclose(file);
	free(line);
	free(words);
	if (parser)
		free(parser->folder);
	free(parser);
	if (status)
		replay_script_free(script);
	return status;
}

void replay_script_free(struct replay_script *script)
{
	for (size_t i = 0; i < script->count; i++) {
		free(script->ops[i].text);
		free(script->ops[i].sources);
		free(script->ops[i].query_sources);
		free(script->ops[i].path);
	}
	free(script->ops);
	memset(script, 0, sizeof(*script));
}
