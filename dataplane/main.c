/* SPDX-License-Identifier: BSD-3-Clause
 *
 * mcastrx: the program. Reads a configuration (config.h), starts libmcastrx
 * on the ports it names, opens its sockets with their memberships, and
 * moves what each socket receives into its sink. The main thread is also
 * the control thread (mcastrx_control_poll) and serves the control socket,
 * so every engine call and every TX on a port's queue 0 come from it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "config.h"
#include "control_socket.h"
#include "mcastrx.h"
#include "program.h"
#include "sink.h"
#include "telemetry.h"

/* Exit codes (documented in --help). */
#define EXIT_OK 0
#define EXIT_RUNTIME 1 /* DPDK, a port, a socket or the control socket failed */
#define EXIT_USAGE 2   /* bad command line or bad configuration */

#define RECEIVE_BURST 64u
#define DRAIN_BURSTS 16u
#define CONTROL_SOCKET_POLL_NS 2000000ull /* 2 ms */
#define LEAVE_WAIT_DEFAULT_MS 1500u
#define NANOSECONDS_PER_SECOND 1000000000ull

struct options {
	const char *config_path;
	const char *control_socket; /* overrides the file; NULL: keep */
	bool quiet;
	double duration_s;       /* 0: run until a signal */
	double exit_when_idle_s; /* 0: never */
	unsigned leave_wait_ms;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int signal_number)
{
	stop_signal = signal_number;
}

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: mcastrx [EAL options] -- --config FILE [options]\n"
		"\n"
		"Receive multicast with DPDK: join the groups a configuration file names,\n"
		"filter by (source, group) at line rate and hand each socket's datagrams to\n"
		"its sink (count, pcapng file, or out a port).\n"
		"\n"
		"EAL options (before --): e.g. -l 0-1 --no-pci --no-huge -m 512\n"
		"  --vdev net_pcap0,rx_pcap=FILE   or --vdev net_af_packet0,iface=IF,framecnt=4096\n"
		"\n"
		"Options (after --):\n"
		"  -c, --config FILE          the configuration (INI; see docs/program.md)\n"
		"  -s, --control-socket PATH  control socket (overrides control_socket in FILE;\n"
		"                             'none' disables it); mode 0600; talk to it with mcastctl\n"
		"  -q, --quiet                no one-second summary line\n"
		"  -d, --duration SECONDS     stop after this long, as on SIGINT\n"
		"  -i, --exit-when-idle SECONDS  stop once no frame has arrived for this long\n"
		"                             and every socket's ring is empty (replaying a file)\n"
		"  -w, --leave-wait MS        on stop, time given to the leave reports'\n"
		"                             retransmissions (default %u)\n"
		"  -h, --help                 this text\n"
		"\n"
		"SIGINT / SIGTERM: leave every group (the reports go out), flush and close\n"
		"every sink, print the final counters, exit 0.\n"
		"Telemetry: /mcastrx/stats, /mcastrx/sockets, /mcastrx/groups\n"
		"  (dpdk-telemetry.py, with -f PREFIX when --file-prefix is used)\n"
		"\n"
		"Exit codes:\n"
		"  0  stopped by a signal, --duration or --exit-when-idle\n"
		"  1  runtime failure: EAL, a port, a socket, a sink or the control socket\n"
		"  2  bad command line or bad configuration, including a configured port that\n"
		"     does not exist (one line names file:line [section] key)\n",
		LEAVE_WAIT_DEFAULT_MS);
}

static int parse_seconds(const char *text, double *out)
{
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(value > 0) || value > 1e9)
		return -EINVAL;
	*out = value;
	return 0;
}

/* The program's own arguments (after "--"). 0, 1 for --help, or -EINVAL. */
static int parse_options(int argc, char **argv, struct options *options)
{
	static const struct option long_options[] = {
		{"config", required_argument, NULL, 'c'},
		{"control-socket", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"duration", required_argument, NULL, 'd'},
		{"exit-when-idle", required_argument, NULL, 'i'},
		{"leave-wait", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	options->leave_wait_ms = LEAVE_WAIT_DEFAULT_MS;
	optind = 1;
	opterr = 0;
	int option;
	while ((option = getopt_long(argc, argv, ":c:s:qd:i:w:h", long_options, NULL)) != -1) {
		switch (option) {
		case 'c':
			options->config_path = optarg;
			break;
		case 's':
			options->control_socket = optarg;
			break;
		case 'q':
			options->quiet = true;
			break;
		case 'd':
			if (parse_seconds(optarg, &options->duration_s) < 0) {
				fprintf(stderr, "mcastrx: --duration '%s' is not a positive number of seconds\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'i':
			if (parse_seconds(optarg, &options->exit_when_idle_s) < 0) {
				fprintf(stderr,
					"mcastrx: --exit-when-idle '%s' is not a positive number of seconds\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'w': {
			char *end;
			unsigned long value = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || value > 60000) {
				fprintf(stderr, "mcastrx: --leave-wait '%s' is not 0..60000 ms\n", optarg);
				return -EINVAL;
			}
			options->leave_wait_ms = (unsigned)value;
			break;
		}
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "mcastrx: option '%s' needs a value (try --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "mcastrx: unknown option '%s' (try --help)\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mcastrx: unexpected argument '%s' (try --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (options->config_path == NULL) {
		fprintf(stderr, "mcastrx: --config FILE is required (after --; try --help)\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- state ---- */

static struct mrx_program program;
static uint32_t *group_index; /* open addressing: slot + 1, 0 empty */
static uint32_t group_index_mask;

static uint32_t hash_group(uint32_t ifindex, const struct mrx_addr *group)
{
	uint32_t hash = 2166136261u ^ ifindex;
	for (int i = 0; i < 16; i++)
		hash = (hash ^ group->bytes[i]) * 16777619u;
	return hash;
}

/* The counters of (ifindex, group), created on first sight; NULL when the
 * table is full (those packets are still counted per socket). */
static struct mrx_group_slot *group_slot(uint32_t ifindex, int family,
					 const struct mrx_addr *group)
{
	uint32_t position = hash_group(ifindex, group) & group_index_mask;
	for (;;) {
		uint32_t entry = group_index[position];
		if (entry == 0)
			break;
		struct mrx_group_slot *slot = &program.groups[entry - 1];
		if (slot->ifindex == ifindex && memcmp(&slot->group, group, sizeof(*group)) == 0)
			return slot;
		position = (position + 1) & group_index_mask;
	}
	if (program.group_count == program.group_capacity)
		return NULL;
	struct mrx_group_slot *slot = &program.groups[program.group_count];
	memset(slot, 0, sizeof(*slot));
	slot->ifindex = ifindex;
	slot->family = family;
	slot->group = *group;
	group_index[position] = program.group_count + 1;
	__atomic_store_n(&program.group_count, program.group_count + 1, __ATOMIC_RELEASE);
	return slot;
}

static int program_allocate(void)
{
	program.sockets = calloc(program.config.socket_count + 1, sizeof(*program.sockets));
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		program.sockets[i].config = &program.config.sockets[i];
		program.sockets[i].handle = -1;
	}
	program.group_capacity = 4096;
	program.groups = calloc(program.group_capacity, sizeof(*program.groups));
	group_index_mask = program.group_capacity * 2 - 1;
	group_index = calloc(group_index_mask + 1, sizeof(*group_index));
	if (program.sockets == NULL || program.groups == NULL || group_index == NULL)
		return -ENOMEM;
	return 0;
}

static void program_free(void)
{
	free(program.sockets);
	free(program.groups);
	free(group_index);
	mrx_config_free(&program.config);
}

/* ---- receive workers ----
 * The library runs in manual_receive mode: its receive slots are polled by
 * workers this program launches on the EAL worker lcores, and only once
 * every configured socket is open and joined, so that a replayed capture is
 * not consumed before the memberships exist. The main lcore never polls a
 * slot: it publishes table changes, which wait for every slot's next pass. */

static volatile bool receive_stop;

static int receive_worker(void *argument)
{
	unsigned slot = (unsigned)(uintptr_t)argument;
	while (!__atomic_load_n(&receive_stop, __ATOMIC_ACQUIRE))
		if (mcastrx_receive_poll(slot) == 0)
			rte_pause();
	return 0;
}

/* One worker per receive slot (the library made at most one per worker). */
static int launch_receive_workers(void)
{
	unsigned slots = mcastrx_lcore_count();
	unsigned slot = 0;
	unsigned lcore;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (slot == slots)
			break;
		int result = rte_eal_remote_launch(receive_worker, (void *)(uintptr_t)slot, lcore);
		if (result < 0)
			return result;
		if (slot < MCASTRX_MAX_LCORES)
			program.slot_lcores[slot] = lcore;
		slot++;
	}
	return slot == slots ? 0 : -ENODEV;
}

static void stop_receive_workers(void)
{
	__atomic_store_n(&receive_stop, true, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
}

/* ---- sockets and memberships ---- */

static int option_level(int family)
{
	return family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
}

static socklen_t to_sockaddr(const struct mrx_addr *address, int family,
			     struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, &address->bytes[12], 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	in6->sin6_family = AF_INET6;
	memcpy(&in6->sin6_addr, address->bytes, 16);
	return sizeof(*in6);
}

static int join_group(int handle, uint32_t ifindex, int family, const struct mrx_addr *group)
{
	struct group_req request = {.gr_interface = ifindex};
	to_sockaddr(group, family, &request.gr_group);
	return mcastrx_setsockopt(handle, option_level(family), MCAST_JOIN_GROUP, &request,
				  sizeof(request));
}

/* (group, source) requests: join, leave, block, unblock a source. */
static int source_request(int handle, int option, uint32_t ifindex, int family,
			  const struct mrx_addr *group, int source_family,
			  const struct mrx_addr *source)
{
	struct group_source_req request = {.gsr_interface = ifindex};
	to_sockaddr(group, family, &request.gsr_group);
	to_sockaddr(source, source_family, &request.gsr_source);
	return mcastrx_setsockopt(handle, option_level(family), option, &request, sizeof(request));
}

static int set_filter(int handle, uint32_t ifindex, int family, const struct mrx_addr *group,
		      enum mrx_filter_mode mode, uint32_t count, const struct mrx_addr *sources,
		      const int *source_families)
{
	struct sockaddr_storage group_address;
	socklen_t length = to_sockaddr(group, family, &group_address);
	struct sockaddr_storage *list = calloc(count + 1, sizeof(*list));
	if (list == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		to_sockaddr(&sources[i], source_families ? source_families[i] : family, &list[i]);
	int result = mcastrx_setsourcefilter(handle, ifindex, (struct sockaddr *)&group_address,
					     length, (uint32_t)mode, count, list);
	free(list);
	return result;
}

/* A configured membership: join, then the whole filter when the join alone
 * does not give it (setsourcefilter needs an existing membership). */
static int apply_membership(int handle, uint32_t ifindex, int family,
			    const struct mrx_config_membership *membership)
{
	int result;
	if (membership->mode == MRX_MODE_INCLUDE) {
		result = source_request(handle, MCAST_JOIN_SOURCE_GROUP, ifindex, family,
					&membership->group, family, &membership->sources[0]);
		if (result < 0 || membership->source_count == 1)
			return result;
	} else {
		result = join_group(handle, ifindex, family, &membership->group);
		if (result < 0 || membership->source_count == 0)
			return result;
	}
	return set_filter(handle, ifindex, family, &membership->group, membership->mode,
			  membership->source_count, membership->sources, NULL);
}

static const char *errno_text(int error)
{
	const char *name = mrx_errno_name(error < 0 ? -error : error);
	return name != NULL ? name : "E?";
}

/* Open every configured socket with its sink and memberships. Returns 0,
 * or EXIT_RUNTIME / EXIT_USAGE after printing why. */
static int open_sockets(void)
{
	char error[512];
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		struct mrx_program_socket *socket = &program.sockets[i];
		const struct mrx_config_socket *config = socket->config;
		const struct mrx_config_interface *interface =
			&program.config.interfaces[config->interface];
		socket->ifindex = mcastrx_port_ifindex(interface->port_id);
		int result = mrx_sink_open(config, &socket->sink, error, sizeof(error));
		if (result < 0) {
			fprintf(stderr, "mcastrx: %s: [socket %s] sink: %s\n", program.config.path,
				config->name, error);
			return EXIT_RUNTIME;
		}
		int handle = mcastrx_socket_open_sized(config->family, config->ring_size);
		if (handle < 0) {
			fprintf(stderr, "mcastrx: [socket %s]: cannot open: %s (%s)\n", config->name,
				strerror(-handle), errno_text(handle));
			return EXIT_RUNTIME;
		}
		socket->handle = handle;
		if (config->udp_port != 0) {
			struct sockaddr_storage address;
			static const struct mrx_addr any_v4 = {
				.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}};
			static const struct mrx_addr any_v6;
			socklen_t length = to_sockaddr(config->family == AF_INET ? &any_v4 : &any_v6,
						       config->family, &address);
			if (config->family == AF_INET)
				((struct sockaddr_in *)&address)->sin_port = htons(config->udp_port);
			else
				((struct sockaddr_in6 *)&address)->sin6_port = htons(config->udp_port);
			result = mcastrx_bind(handle, (struct sockaddr *)&address, length);
			if (result < 0) {
				fprintf(stderr, "mcastrx: [socket %s] udp_port: bind %u: %s (%s)\n",
					config->name, config->udp_port, strerror(-result),
					errno_text(result));
				return EXIT_RUNTIME;
			}
		}
		for (uint32_t m = 0; m < config->membership_count; m++) {
			const struct mrx_config_membership *membership = &config->memberships[m];
			result = apply_membership(handle, socket->ifindex, config->family, membership);
			if (result < 0) {
				char group[INET6_ADDRSTRLEN];
				fprintf(stderr,
					"mcastrx: %s:%u: [socket %s] membership: %s refused: %s (%s)\n",
					program.config.path, membership->line, config->name,
					mrx_addr_format(&membership->group, group, sizeof(group)),
					strerror(-result), errno_text(result));
				return EXIT_USAGE;
			}
		}
	}
	return 0;
}

/* ---- receiving ---- */

/* One burst from one socket into its sink; returns the packets moved. */
static unsigned drain_socket(struct mrx_program_socket *socket, struct mcastrx_packet *packets)
{
	int count = mcastrx_recv_burst(socket->handle, packets, RECEIVE_BURST);
	if (count <= 0)
		return 0;
	struct mrx_group_slot *slot = NULL;
	for (int p = 0; p < count; p++) {
		const struct mcastrx_packet *packet = &packets[p];
		if (slot == NULL || slot->ifindex != packet->ifindex ||
		    memcmp(&slot->group, &packet->group, sizeof(packet->group)) != 0)
			slot = group_slot(packet->ifindex, packet->family, &packet->group);
		if (slot != NULL) {
			mrx_counter_add(&slot->counters[MRX_GROUP_DELIVERIES], 1);
			mrx_counter_add(&slot->counters[MRX_GROUP_BYTES],
					rte_pktmbuf_pkt_len(packet->mbuf));
		}
	}
	mrx_sink_put(socket->sink, packets, (unsigned)count);
	mcastrx_packets_free(packets, (unsigned)count);
	return (unsigned)count;
}

/* Move what every socket has into its sink, up to DRAIN_BURSTS bursts per
 * socket per call (the control socket and timers wait meanwhile). Returns
 * the packets moved. */
static unsigned drain_sockets(void)
{
	struct mcastrx_packet packets[RECEIVE_BURST];
	unsigned moved = 0;
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		struct mrx_program_socket *socket = &program.sockets[i];
		for (unsigned burst = 0; burst < DRAIN_BURSTS && socket->handle >= 0; burst++) {
			unsigned count = drain_socket(socket, packets);
			moved += count;
			if (count < RECEIVE_BURST)
				break;
		}
	}
	return moved;
}

static bool rings_empty(void)
{
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		struct mcastrx_socket_stats stats;
		if (program.sockets[i].handle >= 0 &&
		    mcastrx_socket_stats(program.sockets[i].handle, &stats) == 0 &&
		    stats.ring_count > 0)
			return false;
	}
	return true;
}

/* ---- the summary line and the final report ---- */

struct summary_state {
	uint64_t last_ns;
	uint64_t last_received;
};

/* Computes the rate every second (telemetry's rx_mpps); prints unless quiet. */
static void print_summary(struct summary_state *state, uint64_t now, bool quiet)
{
	struct mcastrx_lcore_stats total;
	if (mcastrx_total_stats(&total) < 0)
		return;
	uint64_t received = total.counters[MCASTRX_LCORE_RX_PACKETS];
	double seconds = (double)(now - state->last_ns) / 1e9;
	double mpps = seconds > 0 ? (double)(received - state->last_received) / seconds / 1e6 : 0;
	program.rx_mpps = mpps;
	state->last_ns = now;
	state->last_received = received;
	if (quiet || stop_signal)
		return;
	/* the two biggest drop reasons say most of the time why; the rest is
	 * summed so the line adds up */
	int first = -1, second = -1;
	unsigned other_reasons = 0;
	for (int r = 0; r < MCASTRX_DROP_MAX; r++) {
		if (total.drops[r] == 0)
			continue;
		if (first < 0 || total.drops[r] > total.drops[first]) {
			second = first;
			first = r;
		} else if (second < 0 || total.drops[r] > total.drops[second]) {
			second = r;
		}
	}
	uint64_t other_drops = total.counters[MCASTRX_LCORE_DROPPED];
	char reasons[192] = "";
	size_t used = 0;
	for (int i = 0; i < 2; i++) {
		int r = i == 0 ? first : second;
		if (r < 0)
			break;
		used += (size_t)snprintf(reasons + used, sizeof(reasons) - used, "%s%s %" PRIu64,
					 i == 0 ? ": " : ", ", mcastrx_drop_reason_name(r),
					 total.drops[r]);
		other_drops -= total.drops[r];
	}
	for (int r = 0; r < MCASTRX_DROP_MAX; r++)
		other_reasons += total.drops[r] > 0 && r != first && r != second;
	if (other_reasons > 0 && used < sizeof(reasons))
		snprintf(reasons + used, sizeof(reasons) - used, ", %" PRIu64 " more in %u other reason%s",
			 other_drops, other_reasons, other_reasons == 1 ? "" : "s");
	/* the rate in a unit a person reads at a glance */
	double pps = mpps * 1e6;
	char rate[32];
	if (pps < 1e3)
		snprintf(rate, sizeof(rate), "%.0f pps", pps);
	else if (pps < 1e6)
		snprintf(rate, sizeof(rate), "%.1f kpps", pps / 1e3);
	else
		snprintf(rate, sizeof(rate), "%.2f Mpps", mpps);
	char ring_full[64] = "";
	if (total.counters[MCASTRX_LCORE_SOCKET_RING_FULL] > 0)
		snprintf(ring_full, sizeof(ring_full), "  lost to full socket rings %" PRIu64,
			 total.counters[MCASTRX_LCORE_SOCKET_RING_FULL]);
	printf("mcastrx: %6.1f s  received %" PRIu64 " (%s)  delivered %" PRIu64
	       "  dropped %" PRIu64 "%s%s\n",
	       (double)(now - program.started_ns) / 1e9, received, rate,
	       total.counters[MCASTRX_LCORE_DELIVERED_PACKETS], total.counters[MCASTRX_LCORE_DROPPED],
	       reasons, ring_full);
	fflush(stdout);
}

struct membership_print {
	const struct mrx_program_socket *socket;
	FILE *out;
};

static void print_membership(void *context, const struct mrx_program_socket *socket,
			     const struct mrx_change *filter)
{
	struct membership_print *print = context;
	if (socket != print->socket)
		return;
	char group[INET6_ADDRSTRLEN];
	char modes[512];
	fprintf(print->out, "      member %s %s\n", mrx_addr_format(&filter->group, group, sizeof(group)),
		mrx_program_format_filter(filter, modes, sizeof(modes)));
}

static int engine_counters_all(struct mrx_engine *engine, void *context)
{
	return mrx_engine_counters(engine, 0, context);
}

/* Counters of every socket; with memberships when they are still open. */
static void print_sockets(FILE *out, const char *indent)
{
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		const struct mrx_program_socket *socket = &program.sockets[i];
		const struct mrx_config_socket *config = socket->config;
		struct mcastrx_socket_stats stats = socket->last_stats;
		if (socket->handle >= 0)
			mcastrx_socket_stats(socket->handle, &stats);
		char port[16] = "any";
		if (config->udp_port)
			snprintf(port, sizeof(port), "%u", config->udp_port);
		fprintf(out, "%ssocket %s (%s, udp port %s, %s, sink %s)\n", indent, config->name,
			config->family == AF_INET ? "ipv4" : "ipv6", port,
			program.config.interfaces[config->interface].name,
			socket->sink ? mrx_sink_describe(socket->sink) : "closed");
		fprintf(out, "%s    ", indent);
		for (int c = 0; c < MCASTRX_SOCKET_COUNTER_MAX; c++)
			fprintf(out, "%s %" PRIu64 "  ", mcastrx_socket_counter_name(c), stats.counters[c]);
		for (int c = 0; c < MRX_SINK_COUNTER_MAX; c++)
			fprintf(out, "sink.%s %" PRIu64 "  ", mrx_sink_counter_name(c),
				socket->sink ? mrx_sink_counter(socket->sink, c) : 0);
		fprintf(out, "\n");
		if (socket->handle >= 0) {
			struct membership_print print = {.socket = socket, .out = out};
			mrx_program_foreach_filter(&program, print_membership, &print);
		}
	}
}

static void print_counters(FILE *out, const char *indent, bool zero_too)
{
	struct mcastrx_lcore_stats total;
	if (mcastrx_total_stats(&total) == 0) {
		fprintf(out, "%sreceive lcores (total of %u):\n", indent, mcastrx_lcore_count());
		for (int c = 0; c < MCASTRX_LCORE_COUNTER_MAX; c++)
			fprintf(out, "%s    %-28s %12" PRIu64 "  %s\n", indent,
				mcastrx_lcore_counter_name(c), total.counters[c],
				mcastrx_lcore_counter_description(c));
		fprintf(out, "%sdrop reasons:\n", indent);
		for (int r = 0; r < MCASTRX_DROP_MAX; r++)
			if (zero_too || total.drops[r])
				fprintf(out, "%s    %-28s %12" PRIu64 "  %s\n", indent,
					mcastrx_drop_reason_name(r), total.drops[r],
					mcastrx_drop_reason_description(r));
	}
	for (unsigned i = 0; i < mcastrx_lcore_count(); i++) {
		struct mcastrx_lcore_stats lcore;
		if (mcastrx_lcore_stats(i, &lcore) < 0)
			continue;
		fprintf(out, "%slcore %u (%u queues): received %" PRIu64 "  delivered %" PRIu64
			     "  dropped %" PRIu64 "  punted %" PRIu64 "\n",
			indent, i < MCASTRX_MAX_LCORES ? program.slot_lcores[i] : lcore.lcore_id,
			lcore.queue_count,
			lcore.counters[MCASTRX_LCORE_RX_PACKETS],
			lcore.counters[MCASTRX_LCORE_DELIVERED_PACKETS],
			lcore.counters[MCASTRX_LCORE_DROPPED], lcore.counters[MCASTRX_LCORE_PUNTED]);
	}
	for (unsigned i = 0; i < mcastrx_port_count(); i++) {
		struct mcastrx_port_stats port;
		if (mcastrx_port_stats(i, &port) < 0)
			continue;
		fprintf(out, "%sport %u (%s, IGMPv%u, MLDv%u):", indent, port.port_id,
			mcastrx_multicast_mode_name(port.multicast_mode), port.igmp_version,
			port.mld_version);
		for (int c = 0; c < MCASTRX_PORT_COUNTER_MAX; c++)
			fprintf(out, " %s %" PRIu64, mcastrx_port_counter_name(c), port.counters[c]);
		fprintf(out, "\n");
	}
	uint64_t engine[MRX_COUNTER_MAX] = {0};
	if (mcastrx_with_engine(engine_counters_all, engine) == 0) {
		fprintf(out, "%scontrol (IGMP/MLD):\n", indent);
		for (int c = 0; c < MRX_COUNTER_MAX; c++)
			if (zero_too || engine[c])
				fprintf(out, "%s    %-28s %12" PRIu64 "  %s\n", indent, mrx_counter_name(c),
					engine[c], mrx_counter_description(c));
	}
}

/* ---- the control socket ---- */

struct show_context {
	struct mrx_ctl_reply *reply;
};

static void show_filter(void *context, const struct mrx_program_socket *socket,
			const struct mrx_change *filter)
{
	struct show_context *show = context;
	char group[INET6_ADDRSTRLEN];
	char interface[MRX_CONFIG_NAME_MAX + 8];
	char modes[1024];
	mrx_ctl_reply_line(show->reply, "group %s on %s socket %s %s",
			   mrx_addr_format(&filter->group, group, sizeof(group)),
			   mrx_program_interface_name(&program, filter->ifindex, interface,
						      sizeof(interface)),
			   socket ? socket->config->name : "?",
			   mrx_program_format_filter(filter, modes, sizeof(modes)));
}

/* Lines of a text block (from print_*) become reply body lines. */
static void reply_text(struct mrx_ctl_reply *reply, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		mrx_ctl_reply_line(reply, "%s", line);
}

static void handle_show(const struct mrx_ctl_request *request, struct mrx_ctl_reply *reply)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (out == NULL) {
		mrx_ctl_reply_error(reply, ENOMEM, "out of memory");
		return;
	}
	if (request->show == MRX_CTL_SHOW_ALL || request->show == MRX_CTL_SHOW_SOCKETS)
		print_sockets(out, "");
	if (request->show == MRX_CTL_SHOW_ALL || request->show == MRX_CTL_SHOW_STATS)
		print_counters(out, "", request->show == MRX_CTL_SHOW_STATS);
	fclose(out);
	reply_text(reply, text);
	free(text);
	if (request->show == MRX_CTL_SHOW_ALL || request->show == MRX_CTL_SHOW_GROUPS) {
		struct show_context show = {.reply = reply};
		mrx_program_foreach_filter(&program, show_filter, &show);
		uint32_t count = __atomic_load_n(&program.group_count, __ATOMIC_ACQUIRE);
		for (uint32_t i = 0; i < count; i++) {
			char group[INET6_ADDRSTRLEN];
			char interface[MRX_CONFIG_NAME_MAX + 8];
			const struct mrx_group_slot *slot = &program.groups[i];
			mrx_ctl_reply_line(reply, "traffic %s on %s deliveries %" PRIu64 " bytes %" PRIu64,
					   mrx_addr_format(&slot->group, group, sizeof(group)),
					   mrx_program_interface_name(&program, slot->ifindex,
								      interface, sizeof(interface)),
					   slot->counters[MRX_GROUP_DELIVERIES],
					   slot->counters[MRX_GROUP_BYTES]);
		}
	}
	mrx_ctl_reply_ok(reply, "show");
}

static void handle_help(struct mrx_ctl_reply *reply)
{
	for (int c = 0; c < MRX_CTL_COMMAND_MAX; c++)
		mrx_ctl_reply_line(reply, "%s %s  -- %s", mrx_ctl_command_word(c),
				   mrx_ctl_command_arguments(c), mrx_ctl_command_description(c));
	mrx_ctl_reply_ok(reply, "help");
}

static void handle_request(void *context, const struct mrx_ctl_request *request,
			   struct mrx_ctl_reply *reply)
{
	(void)context;
	if (request->command == MRX_CTL_HELP) {
		handle_help(reply);
		return;
	}
	if (request->command == MRX_CTL_SHOW) {
		handle_show(request, reply);
		return;
	}
	int index = mrx_config_find_socket(&program.config, request->socket);
	if (index < 0) {
		mrx_ctl_reply_error(reply, ENOENT, "no socket named '%s' in %s", request->socket,
				    program.config.path);
		return;
	}
	const struct mrx_program_socket *socket = &program.sockets[index];
	if (socket->handle < 0) {
		mrx_ctl_reply_error(reply, EBADF, "socket '%s' is closed", request->socket);
		return;
	}
	uint32_t ifindex = socket->ifindex;
	if (request->interface[0] != '\0') {
		int interface = mrx_config_find_interface(&program.config, request->interface);
		if (interface < 0) {
			mrx_ctl_reply_error(reply, ENODEV, "no interface named '%s'", request->interface);
			return;
		}
		ifindex = mcastrx_port_ifindex(program.config.interfaces[interface].port_id);
	}
	const char *word = mrx_ctl_command_word(request->command);
	int family = request->group_family;
	int result;
	switch (request->command) {
	case MRX_CTL_JOIN:
		result = request->has_source
				 ? source_request(socket->handle, MCAST_JOIN_SOURCE_GROUP, ifindex,
						  family, &request->group, request->source_family[0],
						  &request->sources[0])
				 : join_group(socket->handle, ifindex, family, &request->group);
		break;
	case MRX_CTL_LEAVE:
		if (request->has_source) {
			result = source_request(socket->handle, MCAST_LEAVE_SOURCE_GROUP, ifindex,
						family, &request->group, request->source_family[0],
						&request->sources[0]);
		} else {
			struct group_req leave = {.gr_interface = ifindex};
			to_sockaddr(&request->group, family, &leave.gr_group);
			result = mcastrx_setsockopt(socket->handle, option_level(family),
						    MCAST_LEAVE_GROUP, &leave, sizeof(leave));
		}
		break;
	case MRX_CTL_BLOCK:
	case MRX_CTL_UNBLOCK:
		result = source_request(socket->handle,
					request->command == MRX_CTL_BLOCK ? MCAST_BLOCK_SOURCE
									   : MCAST_UNBLOCK_SOURCE,
					ifindex, family, &request->group, request->source_family[0],
					&request->sources[0]);
		break;
	case MRX_CTL_SETSOURCEFILTER:
		result = set_filter(socket->handle, ifindex, family, &request->group, request->mode,
				    request->source_count, request->sources, request->source_family);
		break;
	default:
		result = -EINVAL;
	}
	char group[INET6_ADDRSTRLEN];
	char source[INET6_ADDRSTRLEN] = "";
	mrx_addr_format(&request->group, group, sizeof(group));
	if (request->source_count > 0 && request->command != MRX_CTL_SETSOURCEFILTER)
		mrx_addr_format(&request->sources[0], source, sizeof(source));
	if (result < 0)
		mrx_ctl_reply_error(reply, result, "%s %s %s%s%s: %s", word, request->socket, group,
				    source[0] ? " " : "", source, strerror(-result));
	else
		mrx_ctl_reply_ok(reply, "%s %s %s%s%s", word, request->socket, group,
				 source[0] ? " " : "", source);
}

/* ---- life ---- */

static void fill_settings(struct mcastrx_settings *settings)
{
	mcastrx_settings_init(settings);
	settings->control_thread = false; /* the main thread polls: one TX user per queue */
	settings->manual_receive = true;  /* our workers start once the sockets are set up */
	settings->lcore_count = rte_lcore_count() - 1; /* checked >= 1 in main */
	settings->socket_ring_size = program.config.socket_ring_size;
	settings->engine.enforce_ssm_range = program.config.enforce_ssm_range;
	settings->engine.max_memberships_per_socket = program.config.max_memberships_per_socket;
	settings->engine.max_sources_per_filter = program.config.max_sources_per_filter;
	settings->port_count = program.config.interface_count;
	for (uint32_t i = 0; i < program.config.interface_count; i++) {
		const struct mrx_config_interface *interface = &program.config.interfaces[i];
		struct mcastrx_port_settings *port = &settings->ports[i];
		port->port_id = interface->port_id;
		port->rx_queues = interface->rx_queues;
		port->promiscuous = interface->promiscuous;
		snprintf(port->interface.name, sizeof(port->interface.name), "%s", interface->name);
		if (interface->has_ipv4)
			port->interface.ipv4 = interface->ipv4;
		if (interface->has_ipv6_link_local)
			port->interface.ipv6_link_local = interface->ipv6_link_local;
		port->interface.vlan_id = interface->vlan_id;
		port->interface.mtu = interface->mtu;
		port->interface.force_igmp_version = interface->force_igmp_version;
		port->interface.force_mld_version = interface->force_mld_version;
		port->interface.up = true;
	}
}

/* Close every socket (the engine sends the leaves), then let the control
 * loop run the reports' retransmissions for up to wait_ms. */
static void leave_everything(unsigned wait_ms)
{
	while (drain_sockets() > 0)
		;
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		struct mrx_program_socket *socket = &program.sockets[i];
		if (socket->handle < 0)
			continue;
		mcastrx_socket_stats(socket->handle, &socket->last_stats);
		mcastrx_socket_close(socket->handle);
		socket->handle = -1;
	}
	uint64_t deadline = mcastrx_clock_ns() + (uint64_t)wait_ms * 1000000ull;
	for (;;) {
		mcastrx_control_poll();
		uint64_t next = mcastrx_control_next_deadline_ns();
		uint64_t now = mcastrx_clock_ns();
		if (next == UINT64_MAX || now >= deadline)
			break;
		uint64_t sleep_ns = next < 1000000 ? next : 1000000;
		struct timespec pause = {.tv_nsec = (long)(sleep_ns > 0 ? sleep_ns : 100000)};
		nanosleep(&pause, NULL);
	}
}

static bool has_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct options options = {0};
	char error[512];
	int exit_code = EXIT_OK;

	/* split: EAL arguments, then ours after "--" */
	int separator = 0;
	for (int i = 1; i < argc && separator == 0; i++)
		if (strcmp(argv[i], "--") == 0)
			separator = i;
	if (has_help(separator ? argc - separator : argc, separator ? argv + separator : argv)) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (separator == 0) {
		fprintf(stderr, "mcastrx: missing '--' before the program's options (try --help)\n");
		return EXIT_USAGE;
	}
	int result = parse_options(argc - separator, argv + separator, &options);
	if (result != 0)
		return result > 0 ? (print_usage(stdout), EXIT_OK) : EXIT_USAGE;

	/* the configuration before EAL: a bad file costs nothing to report */
	result = mrx_config_load(options.config_path, &program.config, error, sizeof(error));
	if (result < 0) {
		fprintf(stderr, "mcastrx: %s\n", error);
		return EXIT_USAGE;
	}
	if (options.control_socket != NULL)
		snprintf(program.config.control_socket, sizeof(program.config.control_socket), "%s",
			 strcmp(options.control_socket, "none") == 0 ? "" : options.control_socket);
	if (program_allocate() < 0) {
		fprintf(stderr, "mcastrx: out of memory\n");
		program_free();
		return EXIT_RUNTIME;
	}

	int eal_argc = separator;
	char *saved = argv[separator];
	argv[separator] = NULL; /* EAL sees only its part */
	result = mcastrx_init(eal_argc, argv);
	argv[separator] = saved;
	if (result < 0) {
		fprintf(stderr, "mcastrx: EAL initialisation failed: %s (%s)\n", strerror(-result),
			errno_text(result));
		program_free();
		return EXIT_RUNTIME;
	}

	if (rte_lcore_count() < 2) {
		fprintf(stderr, "mcastrx: needs a worker lcore besides the main one (e.g. -l 0-1)\n");
		exit_code = EXIT_USAGE;
		goto cleanup;
	}
	/* every configured port must exist: say which one does not */
	for (uint32_t i = 0; i < program.config.interface_count; i++) {
		const struct mrx_config_interface *interface = &program.config.interfaces[i];
		if (!rte_eth_dev_is_valid_port(interface->port_id)) {
			fprintf(stderr,
				"mcastrx: %s:%u: [interface %s] port: DPDK port %u does not exist "
				"(%u port(s) found: give a --vdev or a PCI device to EAL)\n",
				program.config.path, interface->port_line, interface->name,
				interface->port_id, rte_eth_dev_count_avail());
			exit_code = EXIT_USAGE;
			goto cleanup;
		}
	}
	struct mcastrx_settings settings;
	fill_settings(&settings);
	result = mcastrx_start(&settings);
	if (result < 0) {
		fprintf(stderr, "mcastrx: cannot start the ports of %s: %s (%s)\n",
			program.config.path, strerror(-result), errno_text(result));
		exit_code = EXIT_RUNTIME;
		goto cleanup;
	}
	program.started_ns = mcastrx_clock_ns();

	struct sigaction action = {.sa_handler = on_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	bool workers_launched = false;
	struct mrx_ctl_server *server = NULL;
	exit_code = open_sockets();
	if (exit_code != EXIT_OK)
		goto stop;

	if (program.config.control_socket[0] != '\0') {
		result = mrx_ctl_server_open(program.config.control_socket, handle_request, NULL,
					     &server, error, sizeof(error));
		if (result < 0) {
			fprintf(stderr, "mcastrx: control socket: %s\n", error);
			exit_code = EXIT_RUNTIME;
			goto stop;
		}
	}
	if (mrx_telemetry_register(&program) < 0)
		fprintf(stderr, "mcastrx: telemetry commands not registered (continuing)\n");

	workers_launched = true;
	result = launch_receive_workers();
	if (result < 0) {
		fprintf(stderr, "mcastrx: cannot launch the receive workers: %s\n", strerror(-result));
		exit_code = EXIT_RUNTIME;
		goto stop;
	}
	printf("mcastrx: running: %u interface(s), %u socket(s), %u receive lcore(s)%s%s\n",
	       program.config.interface_count, program.config.socket_count, mcastrx_lcore_count(),
	       server ? ", control socket " : "", server ? program.config.control_socket : "");
	fflush(stdout);

	struct summary_state summary = {.last_ns = program.started_ns};
	uint64_t next_summary = program.started_ns + NANOSECONDS_PER_SECOND;
	uint64_t last_activity = program.started_ns;
	uint64_t last_received = 0;
	uint64_t stop_at = options.duration_s > 0
				   ? program.started_ns + (uint64_t)(options.duration_s * 1e9)
				   : UINT64_MAX;
	const char *why = "signal";
	uint64_t next_control_poll = 0;
	while (!stop_signal) {
		int work = mcastrx_control_poll();
		unsigned moved = drain_sockets();
		uint64_t now = mcastrx_clock_ns();
		if (server != NULL && now >= next_control_poll) {
			/* a syscall: not on every pass of a busy loop */
			mrx_ctl_server_poll(server, 0);
			next_control_poll = now + CONTROL_SOCKET_POLL_NS;
		}
		if (now >= next_summary) {
			print_summary(&summary, now, options.quiet);
			next_summary += NANOSECONDS_PER_SECOND;
			if (next_summary < now)
				next_summary = now + NANOSECONDS_PER_SECOND;
		}
		if (now >= stop_at) {
			why = "duration reached";
			break;
		}
		if (options.exit_when_idle_s > 0) {
			struct mcastrx_lcore_stats total;
			uint64_t received = mcastrx_total_stats(&total) == 0
						    ? total.counters[MCASTRX_LCORE_RX_PACKETS]
						    : 0;
			if (received != last_received || moved > 0) {
				last_received = received;
				last_activity = now;
			} else if (now - last_activity >= (uint64_t)(options.exit_when_idle_s * 1e9) &&
				   rings_empty()) {
				why = "idle";
				break;
			}
		}
		if (moved == 0 && work <= 0) {
			struct timespec pause = {.tv_nsec = 200000}; /* 0.2 ms: nothing to do */
			nanosleep(&pause, NULL);
		}
	}
	if (stop_signal)
		why = stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
	printf("mcastrx: stopping (%s): leaving every group\n", why);
	fflush(stdout);

	mrx_ctl_server_close(server);
	server = NULL;
	leave_everything(options.leave_wait_ms);
	mrx_telemetry_detach();
	for (uint32_t i = 0; i < program.config.socket_count; i++)
		if (program.sockets[i].sink != NULL)
			mrx_sink_flush(program.sockets[i].sink);
	printf("mcastrx: final counters after %.1f s\n",
	       (double)(mcastrx_clock_ns() - program.started_ns) / 1e9);
	print_sockets(stdout, "  ");
	print_counters(stdout, "  ", true);
	for (uint32_t i = 0; i < program.group_count; i++) {
		char group[INET6_ADDRSTRLEN];
		char interface[MRX_CONFIG_NAME_MAX + 8];
		const struct mrx_group_slot *slot = &program.groups[i];
		printf("  group %s on %s: deliveries %" PRIu64 " bytes %" PRIu64 "\n",
		       mrx_addr_format(&slot->group, group, sizeof(group)),
		       mrx_program_interface_name(&program, slot->ifindex, interface,
						  sizeof(interface)),
		       slot->counters[MRX_GROUP_DELIVERIES], slot->counters[MRX_GROUP_BYTES]);
	}
	fflush(stdout);
stop:
	mrx_telemetry_detach();
	mrx_ctl_server_close(server);
	/* sockets first: a close publishes table changes, which wait for the
	 * receive workers' next pass */
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		struct mrx_program_socket *socket = &program.sockets[i];
		if (socket->handle >= 0)
			mcastrx_socket_close(socket->handle);
		socket->handle = -1;
	}
	if (workers_launched)
		stop_receive_workers();
	for (uint32_t i = 0; i < program.config.socket_count; i++) {
		mrx_sink_close(program.sockets[i].sink);
		program.sockets[i].sink = NULL;
	}
	mcastrx_stop();
cleanup:
	mcastrx_cleanup();
	program_free();
	return exit_code;
}
