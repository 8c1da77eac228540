/* SPDX-License-Identifier: BSD-3-Clause
 *
 * feed_handler: a market-data feed handler's receive side on libmcastrx,
 * written against the installed public API only (<mcastrx.h>, which brings
 * <mrx_control.h>); build it with
 *
 *     cc feed_handler.c -o feed_handler $(pkg-config --cflags --libs mcastrx)
 *
 * Every feed arrives twice: on line A and on line B, from different sources
 * (and often different groups and ports). The handler joins each line with
 * MCAST_JOIN_SOURCE_GROUP on its own socket, receives bursts, and reads the
 * sequence number at the start of every UDP payload (the "feed format": an
 * 8-byte big-endian unsigned sequence number, then anything). It reports
 *   - per line: the gaps (sequence numbers that line skipped), and
 *   - arbitrated (A and B merged, first copy wins): the losses, i.e. the
 *     sequence numbers neither line delivered. A gap on A that B filled is
 *     not a loss ("recovered").
 * and stops after --duration, after --idle (no datagram for that long: the
 * end of a replayed capture), or on SIGINT / SIGTERM.
 *
 * Threads: mcastrx runs in manual_receive mode with the library's own
 * control thread. One receive thread of ours polls the library's receive
 * slot and drains both sockets (run to completion: receive and consume in
 * one thread); the main thread sets up, waits, and tears down. The receive
 * thread keeps polling until the sockets are closed, because a close waits
 * for the slot's next pass.
 *
 * Exit codes: 0 finished (gaps and losses are reported, not failures),
 * 1 runtime failure (EAL, ports, sockets), 2 bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <mcastrx.h>

#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

#define BURST 32u
#define SEQUENCE_BYTES 8u
#define LINE_COUNT 2u
#define MAX_GAPS_SHOWN 32u
/* Arbitration window: sequence numbers are decided (seen on a line, or
 * lost) once the newest sequence is this far past them. */
#define WINDOW (1u << 16)

struct gap {
	uint64_t first, last;
};

struct gap_list {
	uint64_t count;   /* gaps */
	uint64_t missing; /* sequence numbers in them */
	uint32_t shown;
	struct gap gaps[MAX_GAPS_SHOWN];
};

struct line {
	char name;                /* 'A' or 'B' */
	struct in_addr group;
	struct in_addr source;
	uint16_t udp_port;        /* host order */
	uint16_t port_id;         /* DPDK port */
	int socket;
	bool started;
	uint64_t first;           /* first sequence seen */
	uint64_t next;            /* next expected sequence */
	uint64_t lost_in_gaps;    /* of its gaps' sequence numbers, lost on both lines */
	uint64_t datagrams;
	uint64_t short_payloads;  /* no room for a sequence number */
	uint64_t late;            /* sequence below the expected one */
	struct gap_list gaps;
};

struct arbiter {
	bool started;
	uint64_t base;       /* lowest undecided sequence */
	uint64_t newest;     /* highest seen + 1 */
	uint64_t first;      /* lowest sequence seen */
	uint64_t unique;     /* sequence numbers delivered once */
	uint64_t duplicates; /* the other line's copies */
	uint64_t too_old;    /* arrived after being declared lost */
	uint8_t seen[WINDOW / 8];
	struct gap_list losses;
};

static struct line lines[LINE_COUNT];
static struct arbiter arbiter;
static volatile sig_atomic_t stop_signal;
/* Between the main thread and the receive thread (__atomic accesses). */
static bool receiving = true;   /* the receive thread drains the sockets */
static bool drained;            /* ... and has stopped doing so */
static bool polling = true;     /* the receive thread polls the slot */
static uint64_t last_datagram_ns;

static void on_signal(int signal_number)
{
	stop_signal = signal_number;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: feed_handler [EAL options] -- [options]\n"
		"\n"
		"Join a feed's A and B lines (source-specific), check the 8-byte big-endian\n"
		"sequence number at the start of each UDP payload, report the gaps of each\n"
		"line and the losses after A/B arbitration (a gap one line fills is no loss).\n"
		"\n"
		"EAL options (before --): e.g. -l 0 --no-pci --no-huge -m 256\n"
		"  --vdev net_pcap0,rx_pcap=FILE   (one lcore is enough: this program polls\n"
		"                                   the library's receive slot itself)\n"
		"\n"
		"Options (after --):\n"
		"  -a, --line-a GROUP,SOURCE,UDP_PORT[,DPDK_PORT]\n"
		"                    line A (default 232.10.1.1,198.51.100.1,31001,0)\n"
		"  -b, --line-b GROUP,SOURCE,UDP_PORT[,DPDK_PORT]\n"
		"                    line B (default 232.10.2.1,203.0.113.1,31002,0)\n"
		"  -4, --ipv4 ADDRESS  this host's address on every port, the IGMP source\n"
		"                    (default 198.51.100.10)\n"
		"  -d, --duration SECONDS  stop after this long\n"
		"  -i, --idle SECONDS      stop once no datagram arrived for this long\n"
		"                    (after the first one: the end of a replayed capture)\n"
		"  -h, --help          this text\n"
		"\n"
		"Without --duration or --idle it runs until SIGINT or SIGTERM.\n"
		"\n"
		"Output: one 'line X' paragraph per line with its 'gap X FIRST..LAST' lines,\n"
		"then 'arbitrated' with its 'lost FIRST..LAST' lines.\n"
		"\n"
		"Exit codes:\n"
		"  0  finished (gaps and losses are reported, not failures)\n"
		"  1  runtime failure: EAL, a port, a socket or a membership\n"
		"  2  bad command line (one line names the bad argument)\n");
}

/* ---- sequence bookkeeping ---- */

static void gap_add(struct gap_list *list, uint64_t first, uint64_t last)
{
	/* coalesce with the previous gap when adjacent (arbitration adds one
	 * sequence number at a time) */
	if (list->shown > 0 && list->gaps[list->shown - 1].last + 1 == first) {
		list->gaps[list->shown - 1].last = last;
		list->missing += last - first + 1;
		return;
	}
	list->count++;
	list->missing += last - first + 1;
	if (list->shown < MAX_GAPS_SHOWN)
		list->gaps[list->shown++] = (struct gap){first, last};
}

static bool seen_get(uint64_t sequence)
{
	return arbiter.seen[(sequence % WINDOW) / 8] & (1u << (sequence % 8));
}

static void seen_set(uint64_t sequence, bool value)
{
	uint8_t *byte = &arbiter.seen[(sequence % WINDOW) / 8];
	uint8_t bit = (uint8_t)(1u << (sequence % 8));
	*byte = value ? (uint8_t)(*byte | bit) : (uint8_t)(*byte & ~bit);
}

/* Decide every sequence below `until`: seen, or lost on both lines. */
static void arbiter_decide(uint64_t until)
{
	for (; arbiter.base < until; arbiter.base++) {
		if (!seen_get(arbiter.base)) {
			gap_add(&arbiter.losses, arbiter.base, arbiter.base);
			for (unsigned l = 0; l < LINE_COUNT; l++)
				if (lines[l].started && lines[l].first <= arbiter.base &&
				    arbiter.base < lines[l].next)
					lines[l].lost_in_gaps++;
		}
		seen_set(arbiter.base, false);
	}
}

static void arbiter_take(uint64_t sequence)
{
	if (!arbiter.started) {
		arbiter.started = true;
		arbiter.base = arbiter.first = sequence;
		arbiter.newest = sequence;
	}
	if (sequence < arbiter.base) {
		arbiter.too_old++;
		return;
	}
	if (sequence >= arbiter.base + WINDOW)
		arbiter_decide(sequence - WINDOW + 1);
	if (seen_get(sequence)) {
		arbiter.duplicates++;
		return;
	}
	seen_set(sequence, true);
	arbiter.unique++;
	if (sequence + 1 > arbiter.newest)
		arbiter.newest = sequence + 1;
}

static void line_take(struct line *line, uint64_t sequence)
{
	line->datagrams++;
	if (!line->started) {
		line->started = true;
		line->first = line->next = sequence;
	}
	if (sequence < line->next) {
		line->late++; /* a retransmission or reordering: not a gap */
	} else {
		if (sequence > line->next)
			gap_add(&line->gaps, line->next, sequence - 1);
		line->next = sequence + 1;
	}
	arbiter_take(sequence);
}

static uint64_t read_sequence(const uint8_t *payload)
{
	uint64_t value = 0;
	for (unsigned i = 0; i < SEQUENCE_BYTES; i++)
		value = value << 8 | payload[i];
	return value;
}

/* ---- the receive thread ---- */

static void *receive_thread(void *unused)
{
	struct mcastrx_packet packets[BURST];
	(void)unused;
	while (__atomic_load_n(&polling, __ATOMIC_ACQUIRE)) {
		int frames = mcastrx_receive_poll(0);
		if (!__atomic_load_n(&receiving, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&drained, true, __ATOMIC_RELEASE);
			if (frames <= 0) {
				struct timespec pause = {.tv_nsec = 100000};
				nanosleep(&pause, NULL);
			}
			continue;
		}
		for (unsigned l = 0; l < LINE_COUNT; l++) {
			struct line *line = &lines[l];
			int taken = mcastrx_recv_burst(line->socket, packets, BURST);
			for (int i = 0; i < taken; i++) {
				if (packets[i].payload_length < SEQUENCE_BYTES)
					line->short_payloads++;
				else
					line_take(line, read_sequence(packets[i].payload));
			}
			if (taken > 0) {
				mcastrx_packets_free(packets, (unsigned)taken);
				__atomic_store_n(&last_datagram_ns, mcastrx_clock_ns(),
						 __ATOMIC_RELAXED);
			}
		}
	}
	return NULL;
}

/* ---- set-up ---- */

/* GROUP,SOURCE,UDP_PORT[,DPDK_PORT] */
static int parse_line(const char *text, struct line *line)
{
	char copy[128];
	char *fields[4] = {0};
	unsigned count = 0;
	if (strlen(text) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, text);
	char *save = NULL;
	for (char *field = strtok_r(copy, ",", &save); field != NULL;
	     field = strtok_r(NULL, ",", &save)) {
		if (count == 4)
			return -EINVAL;
		fields[count++] = field;
	}
	if (count < 3)
		return -EINVAL;
	if (inet_pton(AF_INET, fields[0], &line->group) != 1 ||
	    !IN_MULTICAST(ntohl(line->group.s_addr)))
		return -EINVAL;
	if (inet_pton(AF_INET, fields[1], &line->source) != 1 ||
	    IN_MULTICAST(ntohl(line->source.s_addr)) || line->source.s_addr == 0)
		return -EINVAL;
	char *end;
	unsigned long port = strtoul(fields[2], &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -EINVAL;
	line->udp_port = (uint16_t)port;
	line->port_id = 0;
	if (count == 4) {
		unsigned long port_id = strtoul(fields[3], &end, 10);
		if (*end != '\0' || port_id >= MCASTRX_MAX_PORTS)
			return -EINVAL;
		line->port_id = (uint16_t)port_id;
	}
	return 0;
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

/* A socket bound to the line's UDP port, joined to (source, group) on the
 * line's DPDK port (engine interface mcastrx_port_ifindex(port_id)). */
static int open_line(struct line *line)
{
	int socket = mcastrx_socket_open(AF_INET);
	if (socket < 0)
		return socket;
	struct sockaddr_in bind_address = {
		.sin_family = AF_INET,
		.sin_port = htons(line->udp_port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int result = mcastrx_bind(socket, (const struct sockaddr *)&bind_address,
				  sizeof(bind_address));
	if (result < 0)
		goto close;
	struct group_source_req request = {.gsr_interface = mcastrx_port_ifindex(line->port_id)};
	struct sockaddr_in *group = (struct sockaddr_in *)&request.gsr_group;
	struct sockaddr_in *source = (struct sockaddr_in *)&request.gsr_source;
	group->sin_family = AF_INET;
	group->sin_addr = line->group;
	source->sin_family = AF_INET;
	source->sin_addr = line->source;
	result = mcastrx_setsockopt(socket, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &request,
				    sizeof(request));
	if (result < 0)
		goto close;
	line->socket = socket;
	return 0;
close:
	mcastrx_socket_close(socket);
	return result;
}

/* ---- the report ---- */

static void print_gaps(const char *word, char line_name, const struct gap_list *list)
{
	for (uint32_t i = 0; i < list->shown; i++) {
		const struct gap *gap = &list->gaps[i];
		if (line_name != 0)
			printf("  %s %c ", word, line_name);
		else
			printf("  %s ", word);
		if (gap->first == gap->last)
			printf("%" PRIu64 "\n", gap->first);
		else
			printf("%" PRIu64 "..%" PRIu64 "\n", gap->first, gap->last);
	}
	if (list->count > list->shown)
		printf("  ... %" PRIu64 " more\n", list->count - list->shown);
}

static void print_report(double seconds)
{
	char group[INET_ADDRSTRLEN], source[INET_ADDRSTRLEN];
	printf("feed_handler: %.1f s\n", seconds);
	for (unsigned l = 0; l < LINE_COUNT; l++) {
		const struct line *line = &lines[l];
		inet_ntop(AF_INET, &line->group, group, sizeof(group));
		inet_ntop(AF_INET, &line->source, source, sizeof(source));
		printf("line %c: (%s, %s) udp %u on port %u: datagrams %" PRIu64
		       ", gaps %" PRIu64 " (missing %" PRIu64 ", line %c filled %" PRIu64
		       "), late %" PRIu64 ", too short %" PRIu64 "\n",
		       line->name, source, group, line->udp_port, line->port_id, line->datagrams,
		       line->gaps.count, line->gaps.missing, lines[1 - l].name,
		       line->gaps.missing - line->lost_in_gaps, line->late, line->short_payloads);
		print_gaps("gap", line->name, &line->gaps);
	}
	if (arbiter.started)
		printf("arbitrated: sequence %" PRIu64 "..%" PRIu64 ": unique %" PRIu64
		       ", lost %" PRIu64 " in %" PRIu64 " gap(s), duplicates %" PRIu64
		       ", too late %" PRIu64 "\n",
		       arbiter.first, arbiter.newest - 1, arbiter.unique, arbiter.losses.missing,
		       arbiter.losses.count, arbiter.duplicates, arbiter.too_old);
	else
		printf("arbitrated: no datagram received\n");
	print_gaps("lost", 0, &arbiter.losses);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	double duration_s = 0, idle_s = 0;
	struct in_addr host = {0};
	inet_pton(AF_INET, "198.51.100.10", &host);
	lines[0] = (struct line){.name = 'A', .socket = -1};
	lines[1] = (struct line){.name = 'B', .socket = -1};
	parse_line("232.10.1.1,198.51.100.1,31001,0", &lines[0]);
	parse_line("232.10.2.1,203.0.113.1,31002,0", &lines[1]);

	int separator = 0;
	for (int i = 1; i < argc && separator == 0; i++)
		if (strcmp(argv[i], "--") == 0)
			separator = i;
	for (int i = separator ? separator + 1 : 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		}

	/* our options first (after "--"), so a typo costs no EAL start */
	if (separator != 0) {
		static const struct option options[] = {
			{"line-a", required_argument, NULL, 'a'},
			{"line-b", required_argument, NULL, 'b'},
			{"ipv4", required_argument, NULL, '4'},
			{"duration", required_argument, NULL, 'd'},
			{"idle", required_argument, NULL, 'i'},
			{"help", no_argument, NULL, 'h'},
			{0},
		};
		int our_argc = argc - separator;
		char **our_argv = argv + separator;
		int option;
		opterr = 0;
		while ((option = getopt_long(our_argc, our_argv, ":a:b:4:d:i:h", options, NULL)) != -1) {
			int bad = 0;
			switch (option) {
			case 'a': bad = parse_line(optarg, &lines[0]); break;
			case 'b': bad = parse_line(optarg, &lines[1]); break;
			case '4':
				bad = inet_pton(AF_INET, optarg, &host) == 1 ? 0 : -EINVAL;
				break;
			case 'd': bad = parse_seconds(optarg, &duration_s); break;
			case 'i': bad = parse_seconds(optarg, &idle_s); break;
			case ':':
				fprintf(stderr, "feed_handler: option '%s' needs a value (try --help)\n",
					our_argv[optind - 1]);
				return EXIT_USAGE;
			default:
				fprintf(stderr, "feed_handler: unknown option '%s' (try --help)\n",
					our_argv[optind - 1]);
				return EXIT_USAGE;
			}
			if (bad) {
				fprintf(stderr, "feed_handler: bad value '%s' for %s (try --help)\n",
					optarg, our_argv[optind - 2]);
				return EXIT_USAGE;
			}
		}
		if (optind < our_argc) {
			fprintf(stderr, "feed_handler: unexpected argument '%s' (try --help)\n",
				our_argv[optind]);
			return EXIT_USAGE;
		}
		argv[separator] = NULL; /* EAL sees only its part */
	}

	int result = mcastrx_init(separator ? separator : argc, argv);
	if (result < 0) {
		fprintf(stderr, "feed_handler: EAL initialisation failed: %s\n", strerror(-result));
		return EXIT_RUNTIME;
	}

	struct mcastrx_settings settings;
	mcastrx_settings_init(&settings);
	settings.control_thread = true;  /* the library runs the IGMP engine */
	settings.manual_receive = true;  /* our receive thread polls slot 0 */
	settings.lcore_count = 1;
	for (unsigned l = 0; l < LINE_COUNT; l++) {
		bool known = false;
		for (uint32_t p = 0; p < settings.port_count; p++)
			known |= settings.ports[p].port_id == lines[l].port_id;
		if (known)
			continue;
		struct mcastrx_port_settings *port = &settings.ports[settings.port_count++];
		port->port_id = lines[l].port_id;
		port->interface.ipv4 = host;
		port->interface.up = true;
		snprintf(port->interface.name, sizeof(port->interface.name), "port%u",
			 lines[l].port_id);
	}
	int exit_code = EXIT_OK;
	result = mcastrx_start(&settings);
	if (result < 0) {
		fprintf(stderr,
			"feed_handler: cannot start DPDK port(s) %u and %u: %s (is there a --vdev or "
			"a device for each?)\n",
			lines[0].port_id, lines[1].port_id, strerror(-result));
		exit_code = EXIT_RUNTIME;
		goto cleanup;
	}

	struct sigaction action = {.sa_handler = on_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	for (unsigned l = 0; l < LINE_COUNT; l++) {
		result = open_line(&lines[l]);
		if (result < 0) {
			char group[INET_ADDRSTRLEN], source[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &lines[l].group, group, sizeof(group));
			inet_ntop(AF_INET, &lines[l].source, source, sizeof(source));
			fprintf(stderr, "feed_handler: line %c: join (%s, %s) on port %u: %s (%s)\n",
				lines[l].name, source, group, lines[l].port_id, strerror(-result),
				mrx_errno_name(-result));
			exit_code = EXIT_RUNTIME;
			goto stop;
		}
	}

	/* receive only now that both lines are joined */
	pthread_t receiver;
	uint64_t started_ns = mcastrx_clock_ns();
	if (pthread_create(&receiver, NULL, receive_thread, NULL) != 0) {
		fprintf(stderr, "feed_handler: cannot start the receive thread\n");
		exit_code = EXIT_RUNTIME;
		goto stop;
	}
	while (!stop_signal) {
		struct timespec pause = {.tv_nsec = 10000000}; /* 10 ms */
		nanosleep(&pause, NULL);
		uint64_t now = mcastrx_clock_ns();
		if (duration_s > 0 && now - started_ns >= (uint64_t)(duration_s * 1e9))
			break;
		uint64_t last = __atomic_load_n(&last_datagram_ns, __ATOMIC_RELAXED);
		if (idle_s > 0 && last != 0 && now - last >= (uint64_t)(idle_s * 1e9))
			break;
	}
	/* the thread stops reading the sockets but keeps polling the slot, so
	 * that the closes (which wait for its next pass) complete */
	__atomic_store_n(&receiving, false, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&drained, __ATOMIC_ACQUIRE)) {
		struct timespec pause = {.tv_nsec = 100000};
		nanosleep(&pause, NULL);
	}
	double seconds = (double)(mcastrx_clock_ns() - started_ns) / 1e9;
	for (unsigned l = 0; l < LINE_COUNT; l++) {
		mcastrx_socket_close(lines[l].socket); /* leaves go out */
		lines[l].socket = -1;
	}
	__atomic_store_n(&polling, false, __ATOMIC_RELEASE);
	pthread_join(receiver, NULL);
	if (arbiter.started)
		arbiter_decide(arbiter.newest);
	print_report(seconds);
stop:
	for (unsigned l = 0; l < LINE_COUNT; l++)
		if (lines[l].socket >= 0)
			mcastrx_socket_close(lines[l].socket);
	mcastrx_stop();
cleanup:
	mcastrx_cleanup();
	return exit_code;
}
