/* SPDX-License-Identifier: BSD-3-Clause
 *
 * libmcastrx: a DPDK multicast receive pipeline as a library a feed handler
 * links into its own process.
 *
 *   mcastrx_init(argc, argv)        EAL arguments (rte_eal_init), once per process
 *   mcastrx_start(&settings)        ports, RX queues (RSS), lcores, control engine
 *   mcastrx_socket_open(AF_INET)    a socket; mcastrx_bind() to a UDP port
 *   mcastrx_setsockopt(...)         RFC 3678 memberships (MCAST_JOIN_GROUP, ...)
 *   mcastrx_recv_burst(...)         packets with (S,G), ports, interface, timestamp
 *   mcastrx_packets_free(...)       give the mbufs back
 *   mcastrx_stop()                  close every socket (leaves go out), stop
 *
 * Threads. Receive lcores (EAL workers) poll the RX queues; they never take a
 * lock. The control engine (IGMP/MLD host, socket filters) is owned by one
 * mutex, the "control lock": it is taken by the control thread for each
 * round of work (punted frames, timers) and by every API call that touches
 * the engine (socket open/close/bind, socket options, filter walks). Receive
 * lcores never take it. So any application thread may call the socket and
 * option functions at any time; calls are serialised. The control thread is
 * either a thread the library starts (settings.control_thread = true) or the
 * application's own thread calling mcastrx_control_poll() (typically on the
 * EAL main lcore, between its other work).
 *
 * Interfaces. Each configured DPDK port is one engine interface with
 * ifindex = port_id + 1 (mcastrx_port_ifindex()); the group_req /
 * group_source_req / group_filter interface fields take that index, and the
 * IPv4 forms (ip_mreq, ip_mreq_source, ip_msfilter) take the port's IPv4
 * address as configured.
 *
 * Errors: negative errno values. A call that fails changes nothing.
 * Public symbols are mcastrx_*; types from the control API (mrx_*) come from
 * mrx_control.h, which this header includes.
 */
#ifndef MCASTRX_H
#define MCASTRX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "mrx_control.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

#define MCASTRX_MAX_PORTS 16u
#define MCASTRX_MAX_QUEUES_PER_PORT 16u
#define MCASTRX_MAX_LCORES 64u

/* ---- settings ---- */

struct mcastrx_port_settings {
	uint16_t port_id;        /* DPDK port id */
	uint16_t rx_queues;      /* RX queues spread by RSS; 0: 1 */
	uint16_t rx_descriptors; /* per RX queue; 0: 1024 */
	uint16_t tx_descriptors; /* control TX queue; 0: 512 */
	bool promiscuous;        /* only when asked */
	/* The engine interface of this port: ipv4, ipv6_link_local, vlan_id,
	 * mtu, robustness, versions, name, up. ifindex and mac are filled in by
	 * mcastrx_start (port_id + 1, and the port's MAC address). Start from
	 * mrx_interface_config_init() (mcastrx_settings_init does it). */
	struct mrx_interface_config interface;
};

struct mcastrx_settings {
	uint32_t port_count;
	struct mcastrx_port_settings ports[MCASTRX_MAX_PORTS];
	/* Receive lcores (EAL lcore ids, not the main lcore). 0: every EAL
	 * worker lcore. Queues (port 0 queue 0, port 0 queue 1, ..., port 1
	 * queue 0, ...) are given to lcores round-robin: one queue per lcore
	 * when there are as many lcores as queues, several otherwise. */
	uint32_t lcore_count;
	unsigned lcores[MCASTRX_MAX_LCORES];
	uint32_t mbuf_count;        /* packet pool size; 0: 16383 */
	uint32_t socket_ring_size;  /* per-socket receive ring, power of 2; 0: 4096 */
	uint32_t punt_ring_size;    /* lcores -> control thread, power of 2; 0: 1024 */
	uint16_t burst_size;        /* RX burst; 0: 32, at most 64 */
	uint32_t max_groups;        /* lookup table capacity ((interface, group)); 0: 4096 */
	/* true: the library starts a control thread (rte_ctrl_thread_create);
	 * false: the application calls mcastrx_control_poll() itself. */
	bool control_thread;
	struct mrx_engine_config engine; /* mrx_engine_config_init() defaults */
	/* true: no receive lcore is launched; lcore_count (0: 1) receive slots
	 * are made, queues given to them as above, and the application polls
	 * each slot from one thread of its own with mcastrx_receive_poll()
	 * (run to completion: receive and consume in one thread). lcores[] is
	 * not used. */
	bool manual_receive;
};

/* Fill settings with the defaults above (no port, control_thread false). */
void mcastrx_settings_init(struct mcastrx_settings *settings);

/* ---- life cycle ---- */

/* rte_eal_init(argc, argv). Returns the number of arguments EAL consumed
 * (as rte_eal_init; the application's own follow after "--"), or -errno.
 * Calling it again in the same process returns -EALREADY. */
int mcastrx_init(int argc, char **argv);

/* Configure and start every port, the engine (one interface per port), the
 * lookup table and the receive lcores. EAL must be initialised, by
 * mcastrx_init or by the application's own rte_eal_init (else -ENODEV).
 * -EINVAL on a bad setting (unknown port, too many queues for the device,
 * lcore not an enabled worker, ring size not a power of 2), -EALREADY if started, -ENOMEM, or the
 * negative error of the DPDK call that failed. On error nothing stays
 * started. May be called again after mcastrx_stop(). */
int mcastrx_start(const struct mcastrx_settings *settings);

/* Close every socket (leaves/dones are sent on the control TX queues), stop
 * the lcores and the control thread, stop the ports, free
 * everything but the packet pool (packets the application still holds stay
 * valid until it frees them; the pool is reused by the next start). Ports
 * are stopped, not closed (rte_eal_cleanup closes them). No effect when not
 * started. No other thread may be inside mcastrx_recv_burst or a stats call
 * while stop runs (those take no lock). */
void mcastrx_stop(void);

/* rte_eal_cleanup(); after it only mcastrx_init would work (and DPDK
 * allows one init per process). */
void mcastrx_cleanup(void);

bool mcastrx_running(void);

/* One round of control-thread work: take the punted IGMP/MLD frames into
 * the engine, run its due timers (frames go out on the control TX queues),
 * refresh the ports' multicast address lists. Only when started with
 * control_thread = false (else -EBUSY). Returns the number of frames and
 * timers handled (>= 0), never blocks beyond the control lock. */
int mcastrx_control_poll(void);

/* manual_receive only: one pass of receive slot `slot` (0 .. lcore_count-1)
 * over its queues -- receive, classify, punt, look up, deliver -- then a
 * quiescent-state report. Call it from one thread per slot, again and
 * again: socket close and table reclamation wait for every slot's next
 * pass. A poller thread may itself call the socket, option and control
 * functions (run to completion): it is taken offline for the call. Returns the frames received (>= 0), -EINVAL (not manual or bad
 * slot), -ENODEV (not started). */
int mcastrx_receive_poll(unsigned slot);

/* ns until the engine's next timer (0 if due, UINT64_MAX if none); lets a
 * polling application sleep. */
uint64_t mcastrx_control_next_deadline_ns(void);

/* The library's clock: ns since an arbitrary origin (TSC based). Receive
 * timestamps and the engine's clock use it. */
uint64_t mcastrx_clock_ns(void);

uint32_t mcastrx_port_ifindex(uint16_t port_id);

/* ---- sockets ---- */

/* Open a socket of family AF_INET or AF_INET6: handle >= 0, or
 * -EAFNOSUPPORT, -ENOBUFS (too many), -ENOMEM, -ENODEV (not started). */
int mcastrx_socket_open(int family);
/* The same with this socket's receive ring size (power of 2, 0: the
 * settings' socket_ring_size); -EINVAL for a size not a power of 2. */
int mcastrx_socket_open_sized(int family, uint32_t ring_size);

/* Close: every membership ends (the engine sends its leaves), the receive
 * ring is emptied and freed once no lcore can still be delivering to it.
 * -EBADF if unknown. */
int mcastrx_socket_close(int socket);

/* bind(2)-like. address is a sockaddr_in / sockaddr_in6 of the socket's
 * family: the port (network byte order, as in bind) selects the UDP
 * destination port, 0 meaning any port; the address is the wildcard (any
 * group) or a multicast group (only datagrams to that group). A bound
 * socket gets only the datagrams its filter accepts AND that match the
 * binding; an unbound socket gets every UDP datagram its filter accepts.
 * Errors: -EBADF, -EFAULT (NULL), -EINVAL (length too short, already
 * bound), -EAFNOSUPPORT (family differs from the socket's),
 * -EADDRNOTAVAIL (a unicast address). */
int mcastrx_bind(int socket, const struct sockaddr *address, socklen_t length);

/* The socket-option calls: exactly mrx_setsockopt, mrx_getsockopt,
 * mrx_setsourcefilter, mrx_getsourcefilter, mrx_setipv4sourcefilter and
 * mrx_getipv4sourcefilter of mrx_control.h (same arguments, same errors,
 * docs/SOCKET-OPTION-RULES.md), run under the control lock. The lookup
 * table follows before the call returns: packets looked up after the
 * return see the new filter. The ports' multicast MAC lists follow at the
 * next control round (control thread, or mcastrx_control_poll).
 * -ENODEV when not started. */
int mcastrx_setsockopt(int socket, int level, int option, const void *value, socklen_t length);
int mcastrx_getsockopt(int socket, int level, int option, void *value, socklen_t *length);
int mcastrx_setsourcefilter(int socket, uint32_t ifindex, const struct sockaddr *group,
			    socklen_t group_length, uint32_t mode, uint32_t source_count,
			    const struct sockaddr_storage *sources);
int mcastrx_getsourcefilter(int socket, uint32_t ifindex, const struct sockaddr *group,
			    socklen_t group_length, uint32_t *mode, uint32_t *source_count,
			    struct sockaddr_storage *sources);
int mcastrx_setipv4sourcefilter(int socket, struct in_addr interface, struct in_addr group,
				uint32_t mode, uint32_t source_count, const struct in_addr *sources);
int mcastrx_getipv4sourcefilter(int socket, struct in_addr interface, struct in_addr group,
				uint32_t *mode, uint32_t *source_count, struct in_addr *sources);

/* Run fn(engine, context) under the control lock (for anything of
 * mrx_control.h not wrapped here: interface up/down, versions, counters,
 * mrx_engine_foreach_filter). fn must not call mcastrx_* functions that take
 * the control lock (socket and option calls). Returns fn's result, or
 * -ENODEV when not started. */
int mcastrx_with_engine(int (*fn)(struct mrx_engine *engine, void *context), void *context);

/* ---- receive ---- */

enum mcastrx_packet_flags {
	MCASTRX_PACKET_FRAGMENT = 1u << 0, /* an IP fragment (first or later) */
};

/* One received datagram. Fragments are not reassembled: each fragment is
 * delivered on its own (flag MCASTRX_PACKET_FRAGMENT) to the unbound
 * sockets whose filter accepts its (S,G); sockets bound to a port or group
 * get no fragments. The mbuf may be shared by other sockets (fan-out
 * by reference count): read it, never write it. */
struct mcastrx_packet {
	struct rte_mbuf *mbuf;   /* owned by the caller until mcastrx_packets_free */
	const uint8_t *payload;  /* UDP payload (non-first fragment: IP payload), in mbuf */
	uint16_t payload_length;
	uint16_t source_port;      /* host byte order; 0 for a non-first fragment */
	uint16_t destination_port; /* host byte order; 0 for a non-first fragment */
	uint16_t port_id;          /* DPDK port it arrived on */
	uint32_t ifindex;          /* engine interface: port_id + 1 */
	uint16_t vlan_id;          /* innermost VLAN id, 0 if untagged */
	uint8_t flags;             /* enum mcastrx_packet_flags */
	int family;                /* AF_INET or AF_INET6 */
	struct mrx_addr source;    /* IPv4 as ::ffff:a.b.c.d (mrx_addr_to_in) */
	struct mrx_addr group;
	uint64_t timestamp_ns;     /* mcastrx_clock_ns() when the lcore received it */
};

/* Take up to count packets from the socket's receive ring, oldest first.
 * Never blocks. One thread at a time per socket. Returns the number taken
 * (>= 0), -EBADF (unknown socket), -EINVAL (packets NULL with count > 0).
 * Ownership: every returned packet's mbuf belongs to the caller, who must
 * give it back with mcastrx_packets_free (before or after mcastrx_stop). */
int mcastrx_recv_burst(int socket, struct mcastrx_packet *packets, unsigned count);

/* Free the mbufs of count packets (rte_pktmbuf_free; shared mbufs are freed
 * when the last socket's reference goes). */
void mcastrx_packets_free(struct mcastrx_packet *packets, unsigned count);

/* ---- statistics (X-macro tables: a named counter and a text each) ---- */

/* Why a received frame was dropped before any socket saw it. */
#define MCASTRX_DROP_REASONS(X)                                                              \
	X(ETHERNET_TRUNCATED, "frame shorter than its Ethernet header and VLAN tags")        \
	X(TOO_MANY_VLAN_TAGS, "more than two VLAN tags")                                     \
	X(NOT_IP, "EtherType neither IPv4 nor IPv6")                                         \
	X(IPV4_TRUNCATED, "frame shorter than the IPv4 header")                              \
	X(IPV4_BAD_VERSION, "IPv4 EtherType but version is not 4")                           \
	X(IPV4_BAD_HEADER_LENGTH, "IPv4 IHL below 5 or beyond the frame")                    \
	X(IPV4_BAD_TOTAL_LENGTH, "IPv4 total length below IHL or beyond the frame")          \
	X(IPV6_TRUNCATED, "frame shorter than the IPv6 header")                              \
	X(IPV6_BAD_VERSION, "IPv6 EtherType but version is not 6")                           \
	X(IPV6_BAD_PAYLOAD_LENGTH, "IPv6 payload length beyond the frame")                   \
	X(IPV6_BAD_EXTENSION_HEADER, "IPv6 extension header truncated or misplaced")         \
	X(NOT_MULTICAST, "destination address is not multicast")                             \
	X(BAD_SOURCE, "source address is multicast")                                         \
	X(NOT_UDP, "multicast that is neither UDP nor IGMP/MLD")                             \
	X(UDP_TRUNCATED, "UDP header beyond the IP payload")                                 \
	X(UDP_BAD_LENGTH, "UDP length below 8 or beyond the IP payload")                     \
	X(PUNT_RING_FULL, "IGMP/MLD frame: control ring full")                               \
	X(NO_GROUP, "no socket is a member of the group on this interface")                  \
	X(SOURCE_REJECTED, "every member's filter rejects the source")                       \
	X(NO_BOUND_SOCKET, "sockets accept (S,G) but none is bound to this port / group")  \
	X(WRONG_VLAN, "VLAN id (innermost tag, 0 untagged) is not the interface's")

enum mcastrx_drop_reason {
#define MCASTRX_DROP_ENUM(name, text) MCASTRX_DROP_##name,
	MCASTRX_DROP_REASONS(MCASTRX_DROP_ENUM)
#undef MCASTRX_DROP_ENUM
	MCASTRX_DROP_MAX
};

/* Per receive lcore. */
#define MCASTRX_LCORE_COUNTERS(X)                                                    \
	X(RX_PACKETS, "frames received")                                             \
	X(RX_BYTES, "bytes received (frame lengths)")                                \
	X(RX_BURSTS, "non-empty receive bursts")                                     \
	X(DELIVERED_PACKETS, "frames delivered to at least one socket")              \
	X(DELIVERIES, "socket deliveries (a frame to two sockets counts two)")       \
	X(SOCKET_RING_FULL, "deliveries lost to a full socket ring")                 \
	X(PUNTED, "IGMP/MLD frames handed to the control thread")                    \
	X(DROPPED, "frames dropped (sum of the drop reasons)")

enum mcastrx_lcore_counter {
#define MCASTRX_LCORE_ENUM(name, text) MCASTRX_LCORE_##name,
	MCASTRX_LCORE_COUNTERS(MCASTRX_LCORE_ENUM)
#undef MCASTRX_LCORE_ENUM
	MCASTRX_LCORE_COUNTER_MAX
};

/* Per port (the ethdev counters plus mcastrx's own). */
#define MCASTRX_PORT_COUNTERS(X)                                                     \
	X(RX_PACKETS, "ethdev ipackets")                                             \
	X(RX_BYTES, "ethdev ibytes")                                                 \
	X(RX_MISSED, "ethdev imissed (queue full)")                                  \
	X(RX_ERRORS, "ethdev ierrors")                                               \
	X(RX_NO_MBUF, "ethdev rx_nombuf")                                            \
	X(CONTROL_TX_FRAMES, "IGMP/MLD frames sent on the control TX queue")         \
	X(CONTROL_TX_FAILED, "IGMP/MLD frames not sent (no mbuf, too long, queue full)") \
	X(CONTROL_RX_FRAMES, "IGMP/MLD frames given to the engine")                  \
	X(MULTICAST_ADDRESSES, "multicast MAC addresses the joined groups need")          \
	X(TABLE_UPDATE_FAILED, "group changes the lookup table refused (full: max_groups)")

enum mcastrx_port_counter {
#define MCASTRX_PORT_ENUM(name, text) MCASTRX_PORT_##name,
	MCASTRX_PORT_COUNTERS(MCASTRX_PORT_ENUM)
#undef MCASTRX_PORT_ENUM
	MCASTRX_PORT_COUNTER_MAX
};

/* How a port admits multicast frames. */
#define MCASTRX_MULTICAST_MODES(X)                                                   \
	X(LIST, "multicast list")                                                    \
	X(ALLMULTI_FORCED, "allmulti (forced)")                                      \
	X(PROMISCUOUS, "promiscuous")

enum mcastrx_multicast_mode {
#define MCASTRX_MODE_ENUM(name, text) MCASTRX_MULTICAST_##name,
	MCASTRX_MULTICAST_MODES(MCASTRX_MODE_ENUM)
#undef MCASTRX_MODE_ENUM
	MCASTRX_MULTICAST_MODE_MAX
};

/* Per socket. */
#define MCASTRX_SOCKET_COUNTERS(X)                                                   \
	X(DELIVERED, "datagrams put on the socket's ring")                           \
	X(RING_FULL, "datagrams lost: the socket's ring was full")                   \
	X(RECEIVED, "datagrams taken by mcastrx_recv_burst")                         \
	X(RECEIVED_BYTES, "payload bytes taken by mcastrx_recv_burst")

enum mcastrx_socket_counter {
#define MCASTRX_SOCKET_ENUM(name, text) MCASTRX_SOCKET_##name,
	MCASTRX_SOCKET_COUNTERS(MCASTRX_SOCKET_ENUM)
#undef MCASTRX_SOCKET_ENUM
	MCASTRX_SOCKET_COUNTER_MAX
};

struct mcastrx_lcore_stats {
	unsigned lcore_id;
	uint32_t queue_count; /* RX queues this lcore polls */
	uint64_t counters[MCASTRX_LCORE_COUNTER_MAX];
	uint64_t drops[MCASTRX_DROP_MAX];
};

struct mcastrx_port_stats {
	uint16_t port_id;
	uint32_t ifindex;
	uint16_t rx_queues;
	enum mcastrx_multicast_mode multicast_mode;
	/* 0, or the negative error the device gave for allmulticast_enable
	 * (e.g. -ENOTSUP on af_packet: not fatal, the mode stays "forced"). */
	int allmulticast_error;
	/* The protocol versions in force on the port's interface: IGMP 3, or 2
	 * / 1 while an older querier is present (RFC 3376 7.2.1) or under a
	 * forced ceiling; MLD 2, or 1 (RFC 3810 8.2.1). In IGMPv1/v2 and MLDv1
	 * source-specific memberships are not reported at all (RFC 4604 2.2.1). */
	uint8_t igmp_version;
	uint8_t mld_version;
	uint64_t counters[MCASTRX_PORT_COUNTER_MAX];
};

struct mcastrx_socket_stats {
	int socket;
	int family;
	uint16_t bound_port;   /* host byte order, 0: any */
	bool bound;
	struct mrx_addr bound_group; /* :: (or ::ffff:0.0.0.0) = any */
	uint32_t ring_count;   /* packets waiting now */
	uint32_t ring_size;
	uint64_t counters[MCASTRX_SOCKET_COUNTER_MAX];
};

/* Names and texts of the tables above; NULL when out of range. */
const char *mcastrx_drop_reason_name(enum mcastrx_drop_reason reason);
const char *mcastrx_drop_reason_description(enum mcastrx_drop_reason reason);
const char *mcastrx_lcore_counter_name(enum mcastrx_lcore_counter counter);
const char *mcastrx_lcore_counter_description(enum mcastrx_lcore_counter counter);
const char *mcastrx_port_counter_name(enum mcastrx_port_counter counter);
const char *mcastrx_port_counter_description(enum mcastrx_port_counter counter);
const char *mcastrx_socket_counter_name(enum mcastrx_socket_counter counter);
const char *mcastrx_socket_counter_description(enum mcastrx_socket_counter counter);
const char *mcastrx_multicast_mode_name(enum mcastrx_multicast_mode mode); /* "allmulti (forced)" */

/* Receive lcores: count, and the stats of the index-th (0 .. count-1).
 * Counters are read without stopping the lcores (each is a single 64-bit
 * store by its lcore). -ERANGE past the count, -ENODEV when not started. */
unsigned mcastrx_lcore_count(void);
int mcastrx_lcore_stats(unsigned index, struct mcastrx_lcore_stats *stats);
/* Sum over every receive lcore (lcore_id = RTE_MAX_LCORE). */
int mcastrx_total_stats(struct mcastrx_lcore_stats *stats);

/* Configured ports: count and the index-th one's stats. */
unsigned mcastrx_port_count(void);
int mcastrx_port_stats(unsigned index, struct mcastrx_port_stats *stats);

/* One socket's stats; -EBADF if unknown. */
int mcastrx_socket_stats(int socket, struct mcastrx_socket_stats *stats);

/* Call cb for every open socket, ascending handle (under the control lock:
 * cb must not call socket or option functions). */
void mcastrx_foreach_socket(void (*cb)(void *context, const struct mcastrx_socket_stats *stats),
			    void *context);

#ifdef __cplusplus
}
#endif
#endif
