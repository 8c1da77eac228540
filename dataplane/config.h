/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The mcastrx program's configuration file: an INI file read with
 * rte_cfgfile (no EAL needed, so it is testable and fuzzable on its own).
 *
 *   [mcastrx]                        optional, global settings
 *   control_socket = /run/mcastrx.sock   ("none" disables it)
 *   enforce_ssm_range = yes          refuse EXCLUDE on 232/8, ff3x::/32
 *   max_memberships_per_socket = 4096
 *   max_sources_per_filter = 1024
 *   socket_ring_size = 4096          default receive ring of every socket
 *
 *   [interface NAME]                 one per port, at least one
 *   port = 0                         DPDK port id
 *   ipv4 = 192.0.2.10                IGMP source address (optional)
 *   ipv6_link_local = fe80::10       MLD source address (optional)
 *   vlan = 0                         0 untagged, else 1..4094
 *   rx_queues = 1                    RSS queues, one lcore each
 *   promiscuous = no
 *   mtu = 1500
 *   force_igmp_version = 0           0 follow the querier, else 1..3
 *   force_mld_version = 0            0 follow the querier, else 1..2
 *
 *   [socket NAME]                    any number
 *   interface = NAME                 default: the only interface
 *   family = ipv4 | ipv6             default: the family of the groups
 *   udp_port = 5000                  0 or absent: unbound (every UDP port)
 *   ring_size = 4096
 *   sink = count | pcapng | forward  default count
 *   file = PATH                      pcapng sink: the capture file
 *   forward_port = N                 forward sink: the DPDK port to send on
 *   membership = GROUP               any-source: EXCLUDE {}
 *   membership = GROUP exclude S...  any-source with blocked sources
 *   membership = GROUP include S...  source-specific: INCLUDE {S...}
 *   (repeat membership lines; lines for the same group and mode add sources)
 *
 * Every error is reported as one line naming the file, the line when it
 * can be found, the section and the key:
 *   "configs/x.ini:12: [socket tv1] membership: '10.1.1.1' is not a multicast group"
 */
#ifndef MRX_CONFIG_H
#define MRX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "mrx_control.h"

#define MRX_CONFIG_NAME_MAX 32      /* interface and socket names, with the NUL */
#define MRX_CONFIG_PATH_MAX 256
#define MRX_CONFIG_MAX_INTERFACES 16
#define MRX_CONFIG_MAX_SOCKETS 4096
#define MRX_CONFIG_DEFAULT_CONTROL_SOCKET "/run/mcastrx.sock"
#define MRX_CONFIG_DEFAULT_RING_SIZE 4096u

/* Sink kinds: name in the file, enum suffix, description. */
#define MRX_SINK_KINDS(X)                                   \
	X(count, COUNT, "count packets and bytes only")         \
	X(pcapng, PCAPNG, "write every packet to a pcapng file") \
	X(forward, FORWARD, "send every packet out a DPDK port")

enum mrx_sink_kind {
#define MRX_SINK_ENUM(name, upper, text) MRX_SINK_##upper,
	MRX_SINK_KINDS(MRX_SINK_ENUM)
#undef MRX_SINK_ENUM
	MRX_SINK_KIND_MAX
};

const char *mrx_sink_kind_name(enum mrx_sink_kind kind);

struct mrx_config_interface {
	char name[MRX_CONFIG_NAME_MAX];
	uint16_t port_id;
	unsigned port_line; /* where "port" is written, for later errors */
	bool has_ipv4;
	struct in_addr ipv4;
	bool has_ipv6_link_local;
	struct in6_addr ipv6_link_local;
	uint16_t vlan_id;
	uint16_t rx_queues;
	bool promiscuous;
	uint32_t mtu;
	uint8_t force_igmp_version;
	uint8_t force_mld_version;
};

struct mrx_config_membership {
	struct mrx_addr group;
	enum mrx_filter_mode mode;
	uint32_t source_count;
	struct mrx_addr *sources; /* distinct, in file order */
	unsigned line;            /* first line naming the group, 0 if unknown */
};

struct mrx_config_socket {
	char name[MRX_CONFIG_NAME_MAX];
	uint32_t interface;  /* index into mrx_config.interfaces */
	int family;          /* AF_INET or AF_INET6 */
	uint16_t udp_port;   /* 0: unbound */
	uint32_t ring_size;
	enum mrx_sink_kind sink;
	char file[MRX_CONFIG_PATH_MAX]; /* MRX_SINK_PCAPNG */
	uint16_t forward_port;          /* MRX_SINK_FORWARD */
	uint32_t membership_count;
	struct mrx_config_membership *memberships;
};

struct mrx_config {
	char path[MRX_CONFIG_PATH_MAX];
	char control_socket[108]; /* sun_path; empty: no control socket */
	bool enforce_ssm_range;
	uint32_t max_memberships_per_socket;
	uint32_t max_sources_per_filter;
	uint32_t socket_ring_size;
	uint32_t interface_count;
	struct mrx_config_interface interfaces[MRX_CONFIG_MAX_INTERFACES];
	uint32_t socket_count;
	struct mrx_config_socket *sockets;
};

/* Read and check a configuration file. On success returns 0 and fills
 * *config (release with mrx_config_free). On error returns -errno
 * (-ENOENT and friends when the file cannot be read, -EINVAL for bad
 * content, -ENOMEM), writes a one-line message naming the file (and line),
 * the section and the key into error, and leaves *config empty (nothing to
 * free, though mrx_config_free is harmless). */
int mrx_config_load(const char *path, struct mrx_config *config, char *error, size_t error_size);

/* Release what mrx_config_load allocated; the config is left empty. */
void mrx_config_free(struct mrx_config *config);

/* Index of the interface / socket with that name, or -1. */
int mrx_config_find_interface(const struct mrx_config *config, const char *name);
int mrx_config_find_socket(const struct mrx_config *config, const char *name);

#endif
