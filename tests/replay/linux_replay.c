/* SPDX-License-Identifier: BSD-3-Clause
 *
 * linux_replay: run an mcastrx-replay script against the Linux kernel's own
 * multicast sockets, for the differential test (linux_diff.sh).
 *
 *   linux_replay --ifname IF --ipv4 A --peer-netns NS --peer-ifname PIF SCRIPT
 *       run SCRIPT in the current network namespace on interface IF: the
 *       same setsockopt calls with the same structures (ifindex of IF,
 *       imr_interface A), glibc's setsourcefilter/getsourcefilter, real
 *       sleeps; queries and rx frames are sent from PIF inside namespace NS
 *       (the veth peer) through a packet socket. Prints the same lines as
 *       mcastrx-replay ("<line> <operation> -> ok|ERRNO").
 *   linux_replay --decode FILE.pcap
 *       print one summary line per frame of a capture, as mcastrx-replay -v
 *       does (without the time).
 *
 * Exit status: 0 ran, 2 usage or script error, 3 system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "replay_frames.h"
#include "replay_script.h"
#include "wire.h"

struct linux_run {
	unsigned ifindex;
	struct in_addr ipv4;
	int packet_socket; /* in the peer namespace, bound to the peer interface */
	unsigned peer_ifindex;
	int fds[REPLAY_MAX_SCRIPT_SOCKETS];
	int families[REPLAY_MAX_SCRIPT_SOCKETS];
};

static const char *errno_name(int error)
{
	const char *name = strerrorname_np(error);
	return name ? name : "E?";
}

static int open_peer_socket(struct linux_run *run, const char *netns, const char *ifname)
{
	char path[256];
	snprintf(path, sizeof(path), "/var/run/netns/%s", netns);
	int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int peer = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0 || peer < 0 || setns(peer, CLONE_NEWNET) < 0) {
		fprintf(stderr, "linux_replay: cannot enter namespace %s: %s\n", netns,
			strerror(errno));
		return 3;
	}
	run->peer_ifindex = if_nametoindex(ifname);
	run->packet_socket = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	int status = 0;
	if (!run->peer_ifindex || run->packet_socket < 0) {
		fprintf(stderr, "linux_replay: packet socket on %s in %s: %s\n", ifname, netns,
			strerror(errno));
		status = 3;
	}
	if (setns(own, CLONE_NEWNET) < 0) {
		fprintf(stderr, "linux_replay: cannot come back from %s: %s\n", netns,
			strerror(errno));
		status = 3;
	}
	close(own);
	close(peer);
	return status;
}

static int send_from_peer(struct linux_run *run, const uint8_t *frame, size_t length)
{
	struct sockaddr_ll address = {
		.sll_family = AF_PACKET,
		.sll_ifindex = (int)run->peer_ifindex,
		.sll_halen = 6,
	};
	if (length >= 6)
		memcpy(address.sll_addr, frame, 6);
	if (sendto(run->packet_socket, frame, length, 0, (struct sockaddr *)&address,
		   sizeof(address)) < 0) {
		fprintf(stderr, "linux_replay: send from peer: %s\n", strerror(errno));
		return 3;
	}
	return 0;
}

static int rx_frame(void *context, uint64_t time_ns, const uint8_t *data, size_t length)
{
	(void)time_ns;
	return send_from_peer(context, data, length);
}

static int set_option(struct linux_run *run, const struct replay_op *op)
{
	const struct replay_option *option = op->option;
	int family = run->families[op->socket];
	int level = option->level == REPLAY_LEVEL_IP	 ? IPPROTO_IP
		    : option->level == REPLAY_LEVEL_IPV6 ? IPPROTO_IPV6
		    : family == AF_INET6		 ? IPPROTO_IPV6
							 : IPPROTO_IP;
	int fd = run->fds[op->socket];
	int result = -1;
	switch (option->argument) {
	case REPLAY_ARG_GROUP_REQ: {
		struct group_req request;
		memset(&request, 0, sizeof(request));
		request.gr_interface = run->ifindex;
		memcpy(&request.gr_group, &op->group, sizeof(op->group));
		result = setsockopt(fd, level, option->option, &request, sizeof(request));
		break;
	}
	case REPLAY_ARG_GROUP_SOURCE_REQ: {
		struct group_source_req request;
		memset(&request, 0, sizeof(request));
		request.gsr_interface = run->ifindex;
		memcpy(&request.gsr_group, &op->group, sizeof(op->group));
		memcpy(&request.gsr_source, &op->source, sizeof(op->source));
		result = setsockopt(fd, level, option->option, &request, sizeof(request));
		break;
	}
	case REPLAY_ARG_IP_MREQ: {
		struct ip_mreq request;
		memset(&request, 0, sizeof(request));
		request.imr_multiaddr = ((const struct sockaddr_in *)&op->group)->sin_addr;
		request.imr_interface = run->ipv4;
		result = setsockopt(fd, level, option->option, &request, sizeof(request));
		break;
	}
	case REPLAY_ARG_IP_MREQ_SOURCE: {
		struct ip_mreq_source request;
		memset(&request, 0, sizeof(request));
		request.imr_multiaddr = ((const struct sockaddr_in *)&op->group)->sin_addr;
		request.imr_sourceaddr = ((const struct sockaddr_in *)&op->source)->sin_addr;
		request.imr_interface = run->ipv4;
		result = setsockopt(fd, level, option->option, &request, sizeof(request));
		break;
	}
	case REPLAY_ARG_IPV6_MREQ: {
		struct ipv6_mreq request;
		memset(&request, 0, sizeof(request));
		request.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)&op->group)->sin6_addr;
		request.ipv6mr_interface = run->ifindex;
		result = setsockopt(fd, level, option->option, &request, sizeof(request));
		break;
	}
	}
	return result < 0 ? -errno : 0;
}

static int run_op(struct linux_run *run, const struct replay_op *op)
{
	int result = 0, status = 0;
	char extra[8192] = "";
	switch (op->kind) {
	case REPLAY_OP_SOCK:
		run->fds[op->socket] = socket(op->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		run->families[op->socket] = op->family;
		result = run->fds[op->socket] < 0 ? -errno : 0;
		break;
	case REPLAY_OP_CLOSE:
		result = close(run->fds[op->socket]) < 0 ? -errno : 0;
		run->fds[op->socket] = -1;
		break;
	case REPLAY_OP_SLEEP: {
		struct timespec delay = {.tv_sec = (time_t)(op->sleep_ms / 1000),
					 .tv_nsec = (long)(op->sleep_ms % 1000) * 1000000L};
		while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
			;
		break;
	}
	case REPLAY_OP_OPTION:
		result = set_option(run, op);
		break;
	case REPLAY_OP_SET_SOURCE_FILTER:
		result = setsourcefilter(run->fds[op->socket], run->ifindex,
					 (const struct sockaddr *)&op->group, op->group_length,
					 op->mode, op->source_count, op->sources) < 0
				 ? -errno
				 : 0;
		break;
	case REPLAY_OP_GET_SOURCE_FILTER: {
		enum { CAPACITY = 64 };
		struct sockaddr_storage sources[CAPACITY];
		uint32_t mode = 0, count = CAPACITY;
		result = getsourcefilter(run->fds[op->socket], run->ifindex,
					 (const struct sockaddr *)&op->group, op->group_length,
					 &mode, &count, sources) < 0
				 ? -errno
				 : 0;
		if (result == 0) {
			size_t used = (size_t)snprintf(extra, sizeof(extra), " %s {",
						       mode == MCAST_INCLUDE ? "include" : "exclude");
			for (uint32_t i = 0; i < count && i < CAPACITY; i++) {
				char text[INET6_ADDRSTRLEN];
				used += (size_t)snprintf(extra + used, sizeof(extra) - used, "%s%s",
							 i ? ", " : "",
							 replay_format_sockaddr(&sources[i], text,
										sizeof(text)));
			}
			snprintf(extra + used, sizeof(extra) - used, "}");
		}
		break;
	}
	case REPLAY_OP_QUERY: {
		uint8_t frame[MRX_WIRE_MAX_FRAME];
		size_t length = mrx_wire_build_query(&op->query, frame);
		if (length == 0)
			return 2;
		if (op->truncate && op->truncate < length)
			length = op->truncate;
		status = send_from_peer(run, frame, length);
		break;
	}
	case REPLAY_OP_RX: {
		const char *message;
		int read = replay_pcap_read(op->path, rx_frame, run, &message);
		if (read < 0 && message) {
			fprintf(stderr, "line %u: %s: %s\n", op->line, op->path, message);
			return 3;
		}
		status = read ? 3 : 0;
		break;
	}
	}
	printf("%u %s -> %s%s\n", op->line, op->text, result ? errno_name(-result) : "ok", extra);
	fflush(stdout);
	return status;
}

static int print_summary(void *context, uint64_t time_ns, const uint8_t *data, size_t length)
{
	(void)context;
	char *summary = replay_summarize_frame(data, length);
	printf("t=%llu.%06llu %s\n", (unsigned long long)(time_ns / 1000000000u),
	       (unsigned long long)(time_ns / 1000u % 1000000u), summary ? summary : "?");
	free(summary);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"ifname", required_argument, NULL, 'i'},
		{"ipv4", required_argument, NULL, '4'},
		{"peer-netns", required_argument, NULL, 'n'},
		{"peer-ifname", required_argument, NULL, 'p'},
		{"decode", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	const char *ifname = NULL, *peer_netns = NULL, *peer_ifname = NULL, *decode = NULL;
	static struct linux_run run;
	int choice;
	while ((choice = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (choice) {
		case 'i': ifname = optarg; break;
		case '4':
			if (inet_pton(AF_INET, optarg, &run.ipv4) != 1) {
				fprintf(stderr, "linux_replay: bad --ipv4 '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n': peer_netns = optarg; break;
		case 'p': peer_ifname = optarg; break;
		case 'd': decode = optarg; break;
		default: return 2;
		}
	}
	if (decode) {
		const char *message;
		if (replay_pcap_read(decode, print_summary, NULL, &message) < 0) {
			fprintf(stderr, "linux_replay: %s: %s\n", decode, message);
			return 3;
		}
		return 0;
	}
	if (!ifname || !peer_netns || !peer_ifname || optind != argc - 1) {
		fprintf(stderr, "usage: linux_replay --ifname IF --ipv4 A --peer-netns NS "
				"--peer-ifname PIF SCRIPT | --decode FILE.pcap\n");
		return 2;
	}
	run.ifindex = if_nametoindex(ifname);
	if (!run.ifindex) {
		fprintf(stderr, "linux_replay: no interface %s\n", ifname);
		return 3;
	}
	struct replay_script script;
	int status = replay_script_load(argv[optind], &script);
	if (status)
		return status;
	status = open_peer_socket(&run, peer_netns, peer_ifname);
	for (size_t i = 0; i < script.count && !status; i++)
		status = run_op(&run, &script.ops[i]);
	replay_script_free(&script);
	return status;
}
