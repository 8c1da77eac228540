/* SPDX-License-Identifier: BSD-3-Clause
 *
 * mcastrx-replay: run the mcastrx control engine on a virtual clock from a
 * script of socket calls, queries and captures; print one line per
 * operation and write every frame the engine sends to a pcap file.
 * See usage() for the script language and the exit codes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mrx_control.h"
#include "replay_frames.h"
#include "replay_script.h"
#include "wire.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_USAGE = 2, /* bad command line or script */
	EXIT_IO = 3,    /* a file could not be read or written */
};

#define REPLAY_IFINDEX 1u
#define NS_PER_MS UINT64_C(1000000)

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mcastrx-replay [OPTIONS] SCRIPT\n"
"Run the mcastrx IGMP/MLD host engine on a virtual clock: read SCRIPT ('-' for\n"
"stdin), print one line per operation ('<line> <operation> -> ok' or\n"
"'-> <ERRNO NAME>'; getsourcefilter adds the filter, e.g. '-> ok exclude {10.0.0.1}'),\n"
"and write every frame the engine sends to a pcap file (Ethernet) stamped with the\n"
"virtual time (the clock starts at 0 = 1970-01-01 00:00:00).\n"
"\n"
"Script, one operation a line, '#' starts a comment:\n"
"  sock N inet|inet6                open socket N (N: 0..65535)\n"
"  close N\n"
"  sleep MS                         advance the virtual clock, running every timer at its time\n"
"  OPTION N GROUP [SOURCE]          setsockopt through mrx_setsockopt with the real structure\n"
"  setsourcefilter N GROUP include|exclude [SOURCE ...]\n"
"  getsourcefilter N GROUP\n"
"  query igmp3|igmp2|igmp1|mld2|mld1 [--group G] [--sources A,B] [--mrc N] [--qrv N]\n"
"        [--qqic N] [--sflag] [--src A] [--dst A] [--ttl N] [--no-ra] [--bad-cksum]\n"
"        [--truncate N]             a query arriving now (default: valid General Query from\n"
"                                   192.0.2.2 / fe80::2; --mrc is the raw Max Resp Code,\n"
"                                   default 100 for IGMPv3/v2, 0 for IGMPv1, 10000 for MLD;\n"
"                                   --qrv 2, --qqic 125; --truncate cuts the frame to N bytes)\n"
"  rx FILE.pcap                     every frame of a capture arrives now (classic pcap,\n"
"                                   Ethernet; pcapng: convert with editcap -F pcap)\n"
"                                   (a relative FILE is taken from the script's folder)\n"
"OPTION is one of:\n"
"  MCAST_JOIN_GROUP MCAST_LEAVE_GROUP (struct group_req, ifindex 1)\n"
"  MCAST_BLOCK_SOURCE MCAST_UNBLOCK_SOURCE MCAST_JOIN_SOURCE_GROUP MCAST_LEAVE_SOURCE_GROUP\n"
"      (struct group_source_req) - all at the socket's level (IPPROTO_IP or IPPROTO_IPV6)\n"
"  IPV6_ADD_MEMBERSHIP (= IPV6_JOIN_GROUP) IPV6_DROP_MEMBERSHIP (= IPV6_LEAVE_GROUP)\n"
"      (struct ipv6_mreq, at IPPROTO_IPV6)\n"
"  IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP (struct ip_mreq) IP_ADD_SOURCE_MEMBERSHIP\n"
"  IP_DROP_SOURCE_MEMBERSHIP IP_BLOCK_SOURCE IP_UNBLOCK_SOURCE (struct ip_mreq_source)\n"
"      (at IPPROTO_IP, imr_interface = the interface's IPv4 address)\n"
"\n"
"Options:\n"
"  --ipv4 A                  interface IPv4 address (default 192.0.2.1; '0.0.0.0': none)\n"
"  --ipv6-ll A               interface IPv6 link-local address (default fe80::1; '::': none)\n"
"  --mac M                   interface MAC (default 02:00:00:00:00:01)\n"
"  --mtu N                   interface IP MTU, 1280 to 9216 (default 1500)\n"
"  --vlan ID                 tag frames with 802.1Q VLAN ID (1..4094; queries arrive tagged)\n"
"  --robustness N            Robustness Variable (default 2)\n"
"  --unsolicited-interval MS Unsolicited Report Interval for every protocol version\n"
"                            (default: 1 s for IGMPv3/MLDv2, 10 s for IGMPv1/v2/MLDv1)\n"
"  --force-igmp-version N    highest IGMP version used, 1, 2 or 3: forced to 2, an IGMPv1\n"
"                            querier still brings it to v1; forced to 3, older queries\n"
"                            are ignored (default: not forced, follow the querier)\n"
"  --force-mld-version N     highest MLD version used, 1 or 2: forced to 2, MLDv1 queries\n"
"                            are ignored (default: not forced, follow the querier)\n"
"  --max-memberships N       memberships per socket (default 4096)\n"
"  --max-sources N           sources per filter (default 1024)\n"
"  --no-ssm-range            do not refuse EXCLUDE mode on 232/8 and ff3x::/32\n"
"  --seed N                  seed of the random source (default 1; same seed, same output)\n"
"  -w OUT.pcap               write the frames sent (nanosecond pcap, DLT_EN10MB)\n"
"  -v                        also print each frame sent, e.g.\n"
"                            '  t=0.000 IGMPv3 report: TO_EX 239.1.1.1 {}'\n"
"  -h, --help                this text\n"
"Protocol defaults are the RFCs': Robustness 2, Query Interval 125 s, Query Response\n"
"Interval 10 s. The random source is xorshift64* (Vigna) seeded with --seed\n"
"(a zero state is replaced by a fixed constant); random_u32 is its high 32 bits.\n"
"\n"
"Exit status: 0 the script ran (operations that return an errno are normal output),\n"
"2 usage or script error (unknown operation, bad address, missing argument; one line\n"
"'FILE:LINE: message' on stderr, nothing is run), 3 I/O error (a file could not be\n"
"read or written).\n");
}

struct replay {
	struct mrx_engine *engine;
	uint64_t now_ns;
	uint64_t random_state;
	FILE *pcap;
	const char *pcap_path;
	bool verbose;
	bool io_failed;
	struct in_addr interface_ipv4;
	uint16_t vlan_id;
	uint32_t max_sources;
	int sockets[REPLAY_MAX_SCRIPT_SOCKETS];
	/* frame summaries waiting for the current operation's line */
	char **pending;
	size_t pending_count, pending_capacity;
};

static uint64_t replay_now(void *context)
{
	return ((struct replay *)context)->now_ns;
}

/* xorshift64* (S. Vigna, "An experimental exploration of Marsaglia's
 * xorshift generators, scrambled", 2016): high 32 bits of the product. */
static uint32_t replay_random(void *context)
{
	struct replay *replay = context;
	uint64_t x = replay->random_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	replay->random_state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

static void replay_send(void *context, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	struct replay *replay = context;
	(void)ifindex;
	if (replay->pcap && !replay->io_failed &&
	    replay_pcap_write(replay->pcap, replay->now_ns, frame, length) < 0) {
		fprintf(stderr, "mcastrx-replay: %s: write failed: %s\n", replay->pcap_path,
			strerror(errno));
		replay->io_failed = true;
	}
	if (!replay->verbose)
		return;
	char *summary = replay_summarize_frame(frame, length);
	char *line = NULL;
	if (summary &&
	    asprintf(&line, "  t=%" PRIu64 ".%03" PRIu64 " %s", replay->now_ns / 1000000000u,
		     replay->now_ns / NS_PER_MS % 1000u, summary) < 0)
		line = NULL;
	free(summary);
	if (replay->pending_count == replay->pending_capacity) {
		size_t capacity = replay->pending_capacity ? 2 * replay->pending_capacity : 16;
		char **grown = realloc(replay->pending, capacity * sizeof(*grown));
		if (!grown) {
			free(line);
			replay->io_failed = true;
			return;
		}
		replay->pending = grown;
		replay->pending_capacity = capacity;
	}
	if (!line)
		replay->io_failed = true;
	else
		replay->pending[replay->pending_count++] = line;
}

static void flush_pending(struct replay *replay)
{
	for (size_t i = 0; i < replay->pending_count; i++) {
		puts(replay->pending[i]);
		free(replay->pending[i]);
	}
	replay->pending_count = 0;
}

/* Run the timers whose time has come (a few rounds, in case running one
 * schedules another at the same instant). */
static void run_due_timers(struct replay *replay)
{
	for (int round = 0; round < 1000; round++) {
		if (mrx_engine_next_deadline(replay->engine) > replay->now_ns)
			return;
		mrx_engine_run_timers(replay->engine);
	}
	fprintf(stderr, "mcastrx-replay: timers keep coming due at t=%" PRIu64 " ns\n",
		replay->now_ns);
}

/* Step the clock through every deadline up to the target, so that each
 * frame carries its exact time. */
static void advance_clock(struct replay *replay, uint64_t target_ns)
{
	for (;;) {
		uint64_t deadline = mrx_engine_next_deadline(replay->engine);
		if (deadline > target_ns)
			break;
		if (deadline > replay->now_ns)
			replay->now_ns = deadline;
		run_due_timers(replay);
		if (mrx_engine_next_deadline(replay->engine) <= replay->now_ns)
			break; /* run_due_timers already complained */
	}
	replay->now_ns = target_ns;
	run_due_timers(replay);
}

static const char *errno_text(int result, char *buffer, size_t size)
{
	if (result == 0)
		return "ok";
	const char *name = mrx_errno_name(-result);
	if (name && name[0] && strcmp(name, "?"))
		return name;
	snprintf(buffer, size, "errno %d", -result);
	return buffer;
}

static int family_level(int family)
{
	return family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
}

static int run_option(struct replay *replay, const struct replay_op *op, int family)
{
	const struct replay_option *option = op->option;
	int level = option->level == REPLAY_LEVEL_IP	 ? IPPROTO_IP
		    : option->level == REPLAY_LEVEL_IPV6 ? IPPROTO_IPV6
							 : family_level(family);
	int socket = replay->sockets[op->socket];
	switch (option->argument) {
	case REPLAY_ARG_GROUP_REQ: {
		struct group_req request;
		memset(&request, 0, sizeof(request));
		request.gr_interface = REPLAY_IFINDEX;
		memcpy(&request.gr_group, &op->group, sizeof(op->group));
		return mrx_setsockopt(replay->engine, socket, level, option->option, &request,
				      sizeof(request));
	}
	case REPLAY_ARG_GROUP_SOURCE_REQ: {
		struct group_source_req request;
		memset(&request, 0, sizeof(request));
		request.gsr_interface = REPLAY_IFINDEX;
		memcpy(&request.gsr_group, &op->group, sizeof(op->group));
		memcpy(&request.gsr_source, &op->source, sizeof(op->source));
		return mrx_setsockopt(replay->engine, socket, level, option->option, &request,
				      sizeof(request));
	}
	case REPLAY_ARG_IP_MREQ: {
		struct ip_mreq request;
		memset(&request, 0, sizeof(request));
		request.imr_multiaddr = ((const struct sockaddr_in *)&op->group)->sin_addr;
		request.imr_interface = replay->interface_ipv4;
		return mrx_setsockopt(replay->engine, socket, level, option->option, &request,
				      sizeof(request));
	}
	case REPLAY_ARG_IP_MREQ_SOURCE: {
		struct ip_mreq_source request;
		memset(&request, 0, sizeof(request));
		request.imr_multiaddr = ((const struct sockaddr_in *)&op->group)->sin_addr;
		request.imr_sourceaddr = ((const struct sockaddr_in *)&op->source)->sin_addr;
		request.imr_interface = replay->interface_ipv4;
		return mrx_setsockopt(replay->engine, socket, level, option->option, &request,
				      sizeof(request));
	}
	case REPLAY_ARG_IPV6_MREQ: {
		struct ipv6_mreq request;
		memset(&request, 0, sizeof(request));
		request.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)&op->group)->sin6_addr;
		request.ipv6mr_interface = REPLAY_IFINDEX;
		return mrx_setsockopt(replay->engine, socket, level, option->option, &request,
				      sizeof(request));
	}
	}
	return -EINVAL;
}

struct rx_context {
	struct replay *replay;
	size_t frames;
};

static int rx_frame(void *context, uint64_t time_ns, const uint8_t *data, size_t length)
{
	struct rx_context *rx = context;
	(void)time_ns;
	mrx_engine_input(rx->replay->engine, REPLAY_IFINDEX, data, length);
	run_due_timers(rx->replay);
	rx->frames++;
	return 0;
}

/* Runs one operation and prints its line. Returns an exit status. */
static int run_op(struct replay *replay, const struct replay_op *op, const char *script_path,
		  int *families)
{
	char errno_buffer[32];
	char *extra = NULL; /* text after "ok" for gets */
	int result = 0;
	switch (op->kind) {
	case REPLAY_OP_SOCK:
		result = mrx_socket_open(replay->engine, op->family);
		if (result >= 0) {
			replay->sockets[op->socket] = result;
			families[op->socket] = op->family;
			result = 0;
		} else {
			replay->sockets[op->socket] = -1;
		}
		break;
	case REPLAY_OP_CLOSE:
		result = mrx_socket_close(replay->engine, replay->sockets[op->socket]);
		replay->sockets[op->socket] = -1;
		break;
	case REPLAY_OP_SLEEP:
		advance_clock(replay, replay->now_ns + op->sleep_ms * NS_PER_MS);
		break;
	case REPLAY_OP_OPTION:
		result = run_option(replay, op, families[op->socket]);
		break;
	case REPLAY_OP_SET_SOURCE_FILTER:
		result = mrx_setsourcefilter(replay->engine, replay->sockets[op->socket],
					     REPLAY_IFINDEX, (const struct sockaddr *)&op->group,
					     op->group_length, op->mode, op->source_count,
					     op->sources);
		break;
	case REPLAY_OP_GET_SOURCE_FILTER: {
		uint32_t capacity = replay->max_sources, count = capacity, mode = 0;
		struct sockaddr_storage *sources = calloc(capacity + 1, sizeof(*sources));
		if (!sources) {
			fprintf(stderr, "mcastrx-replay: out of memory\n");
			return EXIT_IO;
		}
		result = mrx_getsourcefilter(replay->engine, replay->sockets[op->socket],
					     REPLAY_IFINDEX, (const struct sockaddr *)&op->group,
					     op->group_length, &mode, &count, sources);
		if (result == 0) {
			size_t size = 64 + (size_t)(count < capacity ? count : capacity) * 48;
			extra = malloc(size);
			if (!extra) {
				free(sources);
				return EXIT_IO;
			}
			size_t used = (size_t)snprintf(extra, size, " %s {",
						       mode == MCAST_INCLUDE ? "include"
						       : mode == MCAST_EXCLUDE ? "exclude"
									       : "?mode");
			for (uint32_t i = 0; i < count && i < capacity; i++) {
				char address[INET6_ADDRSTRLEN];
				used += (size_t)snprintf(extra + used, size - used, "%s%s",
							 i ? ", " : "",
							 replay_format_sockaddr(&sources[i], address,
										sizeof(address)));
			}
			snprintf(extra + used, size - used, "}%s",
				 count > capacity ? " (cut to the buffer)" : "");
		}
		free(sources);
		break;
	}
	case REPLAY_OP_QUERY: {
		uint8_t frame[MRX_WIRE_MAX_FRAME];
		struct mrx_wire_query_spec spec = op->query;
		spec.vlan_id = replay->vlan_id;
		size_t length = mrx_wire_build_query(&spec, frame);
		if (length == 0) {
			fprintf(stderr, "%s:%u: the query does not fit in a frame\n", script_path,
				op->line);
			return EXIT_USAGE;
		}
		if (op->truncate && op->truncate < length)
			length = op->truncate;
		mrx_engine_input(replay->engine, REPLAY_IFINDEX, frame, length);
		break;
	}
	case REPLAY_OP_RX: {
		struct rx_context rx = {.replay = replay};
		const char *message;
		int read = replay_pcap_read(op->path, rx_frame, &rx, &message);
		if (read < 0) {
			fprintf(stderr, "%s:%u: %s: %s\n", script_path, op->line, op->path, message);
			return EXIT_IO;
		}
		break;
	}
	}
	run_due_timers(replay);
	printf("%u %s -> %s%s\n", op->line, op->text, errno_text(result, errno_buffer,
								  sizeof(errno_buffer)),
	       extra ? extra : "");
	free(extra);
	flush_pending(replay);
	return replay->io_failed ? EXIT_IO : EXIT_OK;
}

enum long_option {
	OPT_IPV4 = 256,
	OPT_IPV6_LL,
	OPT_MAC,
	OPT_MTU,
	OPT_VLAN,
	OPT_ROBUSTNESS,
	OPT_UNSOLICITED,
	OPT_FORCE_IGMP,
	OPT_FORCE_MLD,
	OPT_MAX_MEMBERSHIPS,
	OPT_MAX_SOURCES,
	OPT_NO_SSM,
	OPT_SEED,
};

static bool parse_unsigned(const char *text, uint64_t minimum, uint64_t maximum, uint64_t *out)
{
	if (text[0] < '0' || text[0] > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 0);
	if (errno || *end || value < minimum || value > maximum)
		return false;
	*out = value;
	return true;
}

static int bad_argument(const char *option, const char *value, const char *expected)
{
	fprintf(stderr, "mcastrx-replay: bad %s '%s' (%s)\n", option, value, expected);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"ipv4", required_argument, NULL, OPT_IPV4},
		{"ipv6-ll", required_argument, NULL, OPT_IPV6_LL},
		{"mac", required_argument, NULL, OPT_MAC},
		{"mtu", required_argument, NULL, OPT_MTU},
		{"vlan", required_argument, NULL, OPT_VLAN},
		{"robustness", required_argument, NULL, OPT_ROBUSTNESS},
		{"unsolicited-interval", required_argument, NULL, OPT_UNSOLICITED},
		{"force-igmp-version", required_argument, NULL, OPT_FORCE_IGMP},
		{"force-mld-version", required_argument, NULL, OPT_FORCE_MLD},
		{"max-memberships", required_argument, NULL, OPT_MAX_MEMBERSHIPS},
		{"max-sources", required_argument, NULL, OPT_MAX_SOURCES},
		{"no-ssm-range", no_argument, NULL, OPT_NO_SSM},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mrx_engine_config config;
	struct mrx_interface_config interface;
	mrx_engine_config_init(&config);
	mrx_interface_config_init(&interface);
	interface.ifindex = REPLAY_IFINDEX;
	snprintf(interface.name, sizeof(interface.name), "replay0");
	inet_pton(AF_INET, "192.0.2.1", &interface.ipv4);
	inet_pton(AF_INET6, "fe80::1", &interface.ipv6_link_local);
	static const uint8_t default_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
	memcpy(interface.mac, default_mac, sizeof(default_mac));
	interface.mtu = 1500;
	interface.up = true;
	uint64_t seed = 1, value;
	const char *pcap_path = NULL;
	bool verbose = false;
	int choice;
	opterr = 0; /* ':' and '?' below print one line naming the option */
	while ((choice = getopt_long(argc, argv, ":w:vh", long_options, NULL)) != -1) {
		switch (choice) {
		case OPT_IPV4:
			if (inet_pton(AF_INET, optarg, &interface.ipv4) != 1)
				return bad_argument("--ipv4", optarg, "an IPv4 address");
			break;
		case OPT_IPV6_LL:
			if (inet_pton(AF_INET6, optarg, &interface.ipv6_link_local) != 1)
				return bad_argument("--ipv6-ll", optarg, "an IPv6 address");
			break;
		case OPT_MAC: {
			unsigned int bytes[6];
			char end;
			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &bytes[0], &bytes[1],
				   &bytes[2], &bytes[3], &bytes[4], &bytes[5], &end) != 6)
				return bad_argument("--mac", optarg, "xx:xx:xx:xx:xx:xx");
			for (int i = 0; i < 6; i++)
				interface.mac[i] = (uint8_t)bytes[i];
			break;
		}
		case OPT_MTU:
			if (!parse_unsigned(optarg, 1280, 9216, &value))
				return bad_argument("--mtu", optarg, "bytes, 1280 to 9216");
			interface.mtu = (uint32_t)value;
			break;
		case OPT_VLAN:
			if (!parse_unsigned(optarg, 1, 4094, &value))
				return bad_argument("--vlan", optarg, "1 to 4094");
			interface.vlan_id = (uint16_t)value;
			break;
		case OPT_ROBUSTNESS:
			if (!parse_unsigned(optarg, 1, 7, &value))
				return bad_argument("--robustness", optarg, "1 to 7");
			interface.robustness = (uint8_t)value;
			break;
		case OPT_UNSOLICITED:
			if (!parse_unsigned(optarg, 1, 3600000, &value))
				return bad_argument("--unsolicited-interval", optarg,
						    "milliseconds, 1 to 3600000");
			interface.unsolicited_interval_ms = (uint32_t)value;
			break;
		case OPT_FORCE_IGMP:
			if (!parse_unsigned(optarg, 1, 3, &value))
				return bad_argument("--force-igmp-version", optarg, "1, 2 or 3");
			interface.force_igmp_version = (uint8_t)value;
			break;
		case OPT_FORCE_MLD:
			if (!parse_unsigned(optarg, 1, 2, &value))
				return bad_argument("--force-mld-version", optarg, "1 or 2");
			interface.force_mld_version = (uint8_t)value;
			break;
		case OPT_MAX_MEMBERSHIPS:
			if (!parse_unsigned(optarg, 1, UINT32_MAX, &value))
				return bad_argument("--max-memberships", optarg, "a positive number");
			config.max_memberships_per_socket = (uint32_t)value;
			break;
		case OPT_MAX_SOURCES:
			if (!parse_unsigned(optarg, 1, 1u << 20, &value))
				return bad_argument("--max-sources", optarg, "1 to 1048576");
			config.max_sources_per_filter = (uint32_t)value;
			break;
		case OPT_NO_SSM:
			config.enforce_ssm_range = false;
			break;
		case OPT_SEED:
			if (!parse_unsigned(optarg, 0, UINT64_MAX, &seed))
				return bad_argument("--seed", optarg, "a number");
			break;
		case 'w':
			pcap_path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "mcastrx-replay: option '%s' needs a value (try --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "mcastrx-replay: unknown option '%s' (try --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mcastrx-replay: %s (try --help)\n",
			optind == argc ? "no script given" : "one script only");
		return EXIT_USAGE;
	}
	const char *script_path = argv[optind];

	int status = EXIT_OK;
	struct replay_script script;
	status = replay_script_load(script_path, &script);
	if (status)
		return status;

	struct replay *replay = calloc(1, sizeof(*replay));
	int *families = calloc(REPLAY_MAX_SCRIPT_SOCKETS, sizeof(*families));
	if (!replay || !families) {
		fprintf(stderr, "mcastrx-replay: out of memory\n");
		status = EXIT_IO;
		goto out;
	}
	replay->random_state = seed ? seed : 0x9E3779B97F4A7C15ull;
	replay->verbose = verbose;
	replay->interface_ipv4 = interface.ipv4;
	replay->vlan_id = interface.vlan_id;
	replay->max_sources = config.max_sources_per_filter ? config.max_sources_per_filter
							     : MRX_DEFAULT_MAX_SOURCES_PER_FILTER;
	for (size_t i = 0; i < REPLAY_MAX_SCRIPT_SOCKETS; i++)
		replay->sockets[i] = -1;
	if (pcap_path) {
		replay->pcap = replay_pcap_create(pcap_path);
		replay->pcap_path = pcap_path;
		if (!replay->pcap) {
			fprintf(stderr, "mcastrx-replay: %s: %s\n", pcap_path, strerror(errno));
			status = EXIT_IO;
			goto out;
		}
	}
	struct mrx_engine_ops ops = {
		.now_ns = replay_now,
		.random_u32 = replay_random,
		.send_frame = replay_send,
		.context = replay,
	};
	int result = mrx_engine_create(&config, &ops, &replay->engine);
	if (result < 0) {
		fprintf(stderr, "mcastrx-replay: engine: %s\n", strerror(-result));
		status = EXIT_USAGE;
		goto out;
	}
	result = mrx_interface_add(replay->engine, &interface);
	if (result < 0) {
		fprintf(stderr, "mcastrx-replay: interface settings refused: %s\n",
			strerror(-result));
		status = EXIT_USAGE;
		goto out;
	}
	run_due_timers(replay);
	flush_pending(replay);
	for (size_t i = 0; i < script.count && status == EXIT_OK; i++)
		status = run_op(replay, &script.ops[i], script_path, families);
	if (fflush(stdout) != 0)
		status = EXIT_IO;
out:
	if (replay) {
		flush_pending(replay);
		free(replay->pending);
		if (replay->engine)
			mrx_engine_destroy(replay->engine);
		if (replay->pcap && fclose(replay->pcap) != 0) {
			fprintf(stderr, "mcastrx-replay: %s: %s\n", pcap_path, strerror(errno));
			status = EXIT_IO;
		}
	}
	free(replay);
	free(families);
	replay_script_free(&script);
	return status;
}
