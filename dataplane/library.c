/* SPDX-License-Identifier: BSD-3-Clause
 *
 * libmcastrx's public API (include/mcastrx.h): life cycle, sockets, the
 * socket options under the control lock, receive bursts, statistics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <rte_prefetch.h>

#include "dataplane.h"

#define DEFAULT_MBUF_COUNT 16383u
#define DEFAULT_SOCKET_RING_SIZE 4096u
#define DEFAULT_PUNT_RING_SIZE 1024u
#define DEFAULT_BURST 32u
#define DEFAULT_MAX_GROUPS 4096u
#define MBUF_CACHE_SIZE 256u

struct mrx_dataplane mrx_dataplane = {
	.control_lock = PTHREAD_MUTEX_INITIALIZER,
};

static struct rte_mempool *packet_pool; /* kept across stop/start */
static uint64_t tsc_hz;
/* ns per TSC cycle in 32.32 fixed point: the clock is one multiplication
 * (three 64-bit divisions cost 2 % of a receive lcore's time at 40 Mpps);
 * relative error below 1e-9. */
static uint64_t ns_per_cycle_q32;

static void clock_calibrate(void)
{
	uint64_t hz = rte_get_tsc_hz();
	ns_per_cycle_q32 = hz == 0 ? 0 : (uint64_t)(((unsigned __int128)1000000000u << 32) / hz);
	tsc_hz = hz;
}

/* ---- names (X-macro tables) ---- */

#define NAME_ENTRY(name, text) #name,
#define TEXT_ENTRY(name, text) text,
static const char *const lcore_names[] = {MCASTRX_LCORE_COUNTERS(NAME_ENTRY)};
static const char *const lcore_texts[] = {MCASTRX_LCORE_COUNTERS(TEXT_ENTRY)};
static const char *const port_names[] = {MCASTRX_PORT_COUNTERS(NAME_ENTRY)};
static const char *const port_texts[] = {MCASTRX_PORT_COUNTERS(TEXT_ENTRY)};
static const char *const socket_names[] = {MCASTRX_SOCKET_COUNTERS(NAME_ENTRY)};
static const char *const socket_texts[] = {MCASTRX_SOCKET_COUNTERS(TEXT_ENTRY)};
static const char *const mode_texts[] = {MCASTRX_MULTICAST_MODES(TEXT_ENTRY)};
#undef NAME_ENTRY
#undef TEXT_ENTRY

#define TABLE_LOOKUP(table, index) ((unsigned)(index) < RTE_DIM(table) ? (table)[index] : NULL)
const char *mcastrx_lcore_counter_name(enum mcastrx_lcore_counter c) { return TABLE_LOOKUP(lcore_names, c); }
const char *mcastrx_lcore_counter_description(enum mcastrx_lcore_counter c) { return TABLE_LOOKUP(lcore_texts, c); }
const char *mcastrx_port_counter_name(enum mcastrx_port_counter c) { return TABLE_LOOKUP(port_names, c); }
const char *mcastrx_port_counter_description(enum mcastrx_port_counter c) { return TABLE_LOOKUP(port_texts, c); }
const char *mcastrx_socket_counter_name(enum mcastrx_socket_counter c) { return TABLE_LOOKUP(socket_names, c); }
const char *mcastrx_socket_counter_description(enum mcastrx_socket_counter c) { return TABLE_LOOKUP(socket_texts, c); }
const char *mcastrx_multicast_mode_name(enum mcastrx_multicast_mode m) { return TABLE_LOOKUP(mode_texts, m); }

/* ---- clock ---- */

uint64_t mrx_clock_ns(void)
{
	if (ns_per_cycle_q32 == 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	}
	uint64_t cycles = rte_get_tsc_cycles();
	return (uint64_t)(((unsigned __int128)cycles * ns_per_cycle_q32) >> 32);
}

uint64_t mcastrx_clock_ns(void)
{
	return mrx_clock_ns();
}

uint32_t mcastrx_port_ifindex(uint16_t port_id)
{
	return (uint32_t)port_id + 1u;
}

uint32_t mrx_table_version(void)
{
	return atomic_load_explicit(&mrx_dataplane.table_version_done, memory_order_acquire);
}

/* ---- life cycle ---- */

void mcastrx_settings_init(struct mcastrx_settings *settings)
{
	memset(settings, 0, sizeof(*settings));
	for (unsigned i = 0; i < MCASTRX_MAX_PORTS; i++)
		mrx_interface_config_init(&settings->ports[i].interface);
	mrx_engine_config_init(&settings->engine);
}

int mcastrx_init(int argc, char **argv)
{
	int rc = rte_eal_init(argc, argv);
	if (rc < 0)
		return rte_errno == EALREADY ? -EALREADY : -(rte_errno ? rte_errno : EINVAL);
	clock_calibrate();
	return rc;
}

void mcastrx_cleanup(void)
{
	mcastrx_stop();
	rte_eal_cleanup();
}

bool mcastrx_running(void)
{
	return __atomic_load_n(&mrx_dataplane.running, __ATOMIC_ACQUIRE);
}

static bool power_of_two(uint32_t value)
{
	return value != 0 && (value & (value - 1)) == 0;
}

/* Defaults, then every check that needs no resource. */
static int settings_prepare(struct mcastrx_settings *s)
{
	if (s->port_count == 0 || s->port_count > MCASTRX_MAX_PORTS)
		return -EINVAL;
	if (s->mbuf_count == 0)
		s->mbuf_count = DEFAULT_MBUF_COUNT;
	if (s->socket_ring_size == 0)
		s->socket_ring_size = DEFAULT_SOCKET_RING_SIZE;
	if (s->punt_ring_size == 0)
		s->punt_ring_size = DEFAULT_PUNT_RING_SIZE;
	if (s->burst_size == 0)
		s->burst_size = DEFAULT_BURST;
	if (s->max_groups == 0)
		s->max_groups = DEFAULT_MAX_GROUPS;
	if (!power_of_two(s->socket_ring_size) || !power_of_two(s->punt_ring_size) ||
	    s->burst_size > MRX_MAX_BURST || s->lcore_count > MCASTRX_MAX_LCORES)
		return -EINVAL;
	for (uint32_t i = 0; i < s->port_count; i++) {
		struct mcastrx_port_settings *port = &s->ports[i];
		if (!rte_eth_dev_is_valid_port(port->port_id))
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (s->ports[j].port_id == port->port_id)
				return -EINVAL;
		if (port->rx_queues == 0)
			port->rx_queues = 1;
		if (port->rx_queues > MCASTRX_MAX_QUEUES_PER_PORT)
			return -EINVAL;
		if (port->rx_descriptors == 0)
			port->rx_descriptors = 1024;
		if (port->tx_descriptors == 0)
			port->tx_descriptors = 512;
	}
	if (s->manual_receive) {
		if (s->lcore_count == 0)
			s->lcore_count = 1;
		return 0; /* the application's threads poll: no EAL lcore to check */
	}
	if (s->lcore_count == 0) {
		unsigned lcore_id;
		RTE_LCORE_FOREACH_WORKER(lcore_id) {
			if (s->lcore_count == MCASTRX_MAX_LCORES)
				break;
			s->lcores[s->lcore_count++] = lcore_id;
		}
		if (s->lcore_count == 0)
			return -EINVAL; /* no worker lcore to receive on */
	}
	for (uint32_t i = 0; i < s->lcore_count; i++) {
		unsigned lcore_id = s->lcores[i];
		if (lcore_id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore_id) ||
		    lcore_id == rte_get_main_lcore())
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (s->lcores[j] == lcore_id)
				return -EINVAL;
		if (rte_eal_get_lcore_state(lcore_id) == RUNNING)
			return -EBUSY;
	}
	return 0;
}

/* The application's receive pollers (manual_receive) are not polling while
 * stop runs: take them offline so that grace periods (socket close, table
 * reclamation) do not wait for them. */
static void manual_pollers_offline(struct mrx_dataplane *dp)
{
	for (uint32_t i = 0; dp->lcores != NULL && i < dp->lcore_count; i++) {
		if (!dp->settings.manual_receive || !dp->lcores[i].registered)
			continue;
		rte_rcu_qsbr_thread_offline(dp->qsbr, dp->lcores[i].thread_id);
		rte_rcu_qsbr_thread_unregister(dp->qsbr, dp->lcores[i].thread_id);
		dp->lcores[i].registered = false;
	}
}

static void teardown(struct mrx_dataplane *dp)
{
	manual_pollers_offline(dp);
	if (dp->engine != NULL) {
		/* Leave politely: every socket's memberships end, reports go out. */
		for (uint32_t h = 0; dp->sockets != NULL && h < dp->max_sockets; h++) {
			if (dp->sockets[h] == NULL)
				continue;
			mrx_socket_close(dp->engine, (int)h);
		}
	}
	if (dp->lcores != NULL) {
		__atomic_store_n(&dp->lcores_stop, true, __ATOMIC_RELEASE);
		for (uint32_t i = 0; i < dp->lcore_count && !dp->settings.manual_receive; i++)
			rte_eal_wait_lcore(dp->lcores[i].lcore_id);
	}
	for (uint32_t h = 0; dp->sockets != NULL && h < dp->max_sockets; h++)
		mrx_socket_slot_destroy(dp, (int)h);
	if (dp->qsbr != NULL)
		mrx_socket_slots_reclaim(dp, true); /* every reader is offline now */
	if (dp->punt_ring != NULL) {
		struct rte_mbuf *mbufs[32];
		unsigned taken;
		while ((taken = rte_ring_dequeue_burst(dp->punt_ring, (void **)mbufs, 32, NULL)) > 0)
			rte_pktmbuf_free_bulk(mbufs, taken);
	}
	mrx_ports_stop(dp);
	mrx_control_destroy(dp);
	mrx_table_free(dp->table);
	dp->table = NULL;
	rte_ring_free(dp->punt_ring);
	dp->punt_ring = NULL;
	rte_free(dp->qsbr);
	dp->qsbr = NULL;
	rte_free(dp->lcores);
	dp->lcores = NULL;
	dp->lcore_count = 0;
	free(dp->sockets);
	dp->sockets = NULL;
	dp->port_count = 0;
}

static int start_locked(struct mrx_dataplane *dp, const struct mcastrx_settings *settings)
{
	int rc;
	struct mcastrx_settings s = *settings;
	rc = settings_prepare(&s);
	if (rc != 0)
		return rc;
	memset(&dp->settings, 0, sizeof(dp->settings));
	dp->settings = s;
	dp->lcores_stop = false;
	atomic_store(&dp->table_version_begun, 0);
	atomic_store(&dp->table_version_done, 0);

	if (packet_pool == NULL) {
		uint16_t private_size = MRX_PACKET_INFO_AREA_SIZE;
		/* Each lcore's mempool cache can strand up to 1.5x its size: keep
		 * that a small part of a small pool (a 511-mbuf pool with a cache
		 * of 256 left the receive lcore 254 buffers: test_rx_exhaustion). */
		unsigned cache_size = RTE_MIN(MBUF_CACHE_SIZE, s.mbuf_count / 16);
		packet_pool = rte_pktmbuf_pool_create("mcastrx_pool", s.mbuf_count, cache_size,
						      private_size, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (packet_pool == NULL)
			return -ENOMEM;
	}
	dp->pool = packet_pool;

	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++)
		dp->port_index_by_id[i] = UINT16_MAX;
	dp->port_count = s.port_count;
	uint32_t queue_total = 0;
	for (uint32_t i = 0; i < s.port_count; i++) {
		struct mrx_port *port = &dp->ports[i];
		memset(port, 0, sizeof(*port));
		port->settings = s.ports[i];
		port->port_id = s.ports[i].port_id;
		port->ifindex = mcastrx_port_ifindex(port->port_id);
		dp->port_index_by_id[port->port_id] = (uint16_t)i;
		queue_total += port->settings.rx_queues;
	}

	/* Queues to lcores round-robin; lcores beyond the queue count stay idle. */
	dp->lcore_count = RTE_MIN(s.lcore_count, queue_total);
	dp->lcores = rte_zmalloc("mcastrx_lcores", dp->lcore_count * sizeof(*dp->lcores),
				 RTE_CACHE_LINE_SIZE);
	if (dp->lcores == NULL)
		return -ENOMEM;
	uint32_t next = 0;
	for (uint32_t i = 0; i < dp->lcore_count; i++) {
		dp->lcores[i].lcore_id = s.manual_receive ? LCORE_ID_ANY : s.lcores[i];
		dp->lcores[i].thread_id = i;
	}
	for (uint32_t p = 0; p < s.port_count; p++) {
		for (uint16_t q = 0; q < dp->ports[p].settings.rx_queues; q++) {
			struct mrx_lcore *lcore = &dp->lcores[next++ % dp->lcore_count];
			lcore->queues[lcore->queue_count++] = (struct mrx_rx_queue){
				.port_id = dp->ports[p].port_id,
				.queue_id = q,
				.ifindex = (uint16_t)dp->ports[p].ifindex,
				.vlan_id = dp->ports[p].settings.interface.vlan_id,
			};
		}
	}

	size_t qsbr_size = rte_rcu_qsbr_get_memsize(dp->lcore_count);
	dp->qsbr = rte_zmalloc("mcastrx_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL)
		return -ENOMEM;
	rc = rte_rcu_qsbr_init(dp->qsbr, dp->lcore_count);
	if (rc != 0)
		return -rte_errno;

	struct mrx_table_params table_params = {
		.name = "mcastrx_table",
		.socket_id = SOCKET_ID_ANY,
		.max_groups = s.max_groups,
		.rcu = dp->qsbr,
	};
	dp->table = mrx_table_create(&table_params);
	if (dp->table == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	dp->punt_ring = rte_ring_create("mcastrx_punt", s.punt_ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (dp->punt_ring == NULL)
		return -ENOMEM;

	dp->max_sockets = s.engine.max_sockets ? s.engine.max_sockets : MRX_DEFAULT_MAX_SOCKETS;
	dp->sockets = calloc(dp->max_sockets, sizeof(*dp->sockets));
	if (dp->sockets == NULL)
		return -ENOMEM;

	rc = mrx_control_create(dp);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < s.port_count; i++) {
		struct mrx_port *port = &dp->ports[i];
		struct mrx_interface_config config = port->settings.interface;
		config.ifindex = port->ifindex;
		struct rte_ether_addr mac;
		rc = rte_eth_macaddr_get(port->port_id, &mac);
		if (rc != 0)
			return rc;
		memcpy(config.mac, mac.addr_bytes, 6);
		rc = mrx_interface_add(dp->engine, &config);
		if (rc != 0)
			return rc;
	}
	rc = mrx_ports_start(dp);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < dp->lcore_count && !s.manual_receive; i++) {
		rc = rte_eal_remote_launch(mrx_lcore_main, &dp->lcores[i], dp->lcores[i].lcore_id);
		if (rc != 0)
			return rc;
	}
	mrx_ports_refresh_multicast(dp);
	return 0;
}

int mcastrx_start(const struct mcastrx_settings *settings)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (settings == NULL)
		return -EINVAL;
	if (tsc_hz == 0)
		clock_calibrate(); /* EAL initialised by the application itself */
	if (tsc_hz == 0)
		return -ENODEV; /* no EAL: mcastrx_init first */
	pthread_mutex_lock(&dp->control_lock);
	if (dp->running) {
		pthread_mutex_unlock(&dp->control_lock);
		return -EALREADY;
	}
	int rc = start_locked(dp, settings);
	if (rc != 0) {
		teardown(dp);
		pthread_mutex_unlock(&dp->control_lock);
		return rc;
	}
	__atomic_store_n(&dp->running, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&dp->control_lock);
	if (dp->settings.control_thread) {
		rc = mrx_control_thread_start(dp);
		if (rc != 0) {
			mcastrx_stop();
			return rc;
		}
	}
	return 0;
}

void mcastrx_stop(void)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	mrx_control_thread_stop(dp);
	pthread_mutex_lock(&dp->control_lock);
	if (dp->running) {
		__atomic_store_n(&dp->running, false, __ATOMIC_RELEASE);
		teardown(dp);
	}
	pthread_mutex_unlock(&dp->control_lock);
}

/* The receive slot this thread polls (manual_receive), or -1. A poller
 * that also calls the socket API (run to completion) goes offline for the
 * call: a grace period the call waits for (table reclamation) must not
 * wait for the caller itself. It holds nothing between polls. */
static __thread int poller_slot = -1;

static bool poller_pause(struct mrx_dataplane *dp)
{
	if (poller_slot < 0 || !dp->running || !dp->settings.manual_receive ||
	    (uint32_t)poller_slot >= dp->lcore_count || !dp->lcores[poller_slot].registered)
		return false;
	rte_rcu_qsbr_thread_offline(dp->qsbr, dp->lcores[poller_slot].thread_id);
	return true;
}

static void poller_resume(struct mrx_dataplane *dp, bool paused)
{
	if (paused && dp->running && dp->lcores[poller_slot].registered)
		rte_rcu_qsbr_thread_online(dp->qsbr, dp->lcores[poller_slot].thread_id);
}

int mcastrx_control_poll(void)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	pthread_mutex_lock(&dp->control_lock);
	int rc;
	if (!dp->running)
		rc = -ENODEV;
	else if (dp->settings.control_thread)
		rc = -EBUSY;
	else {
		bool paused = poller_pause(dp);
		rc = mrx_control_round(dp);
		poller_resume(dp, paused);
	}
	pthread_mutex_unlock(&dp->control_lock);
	return rc;
}

int mcastrx_receive_poll(unsigned slot)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (!mcastrx_running())
		return -ENODEV;
	if (!dp->settings.manual_receive || slot >= dp->lcore_count)
		return -EINVAL;
	struct mrx_lcore *lcore = &dp->lcores[slot];
	if (!lcore->registered) {
		rte_rcu_qsbr_thread_register(dp->qsbr, lcore->thread_id);
		rte_rcu_qsbr_thread_online(dp->qsbr, lcore->thread_id);
		lcore->registered = true;
		poller_slot = (int)slot;
	}
	return (int)mrx_lcore_poll_once(dp, lcore);
}

uint64_t mcastrx_control_next_deadline_ns(void)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	uint64_t result = UINT64_MAX;
	pthread_mutex_lock(&dp->control_lock);
	if (dp->running) {
		uint64_t deadline = mrx_engine_next_deadline(dp->engine);
		uint64_t now = mrx_clock_ns();
		if (deadline != UINT64_MAX)
			result = deadline <= now ? 0 : deadline - now;
	}
	pthread_mutex_unlock(&dp->control_lock);
	return result;
}

/* ---- sockets and options, under the control lock ---- */

#define LOCKED_ENGINE_CALL(call)                                   \
	do {                                                       \
		struct mrx_dataplane *dp = &mrx_dataplane;         \
		int rc_ = -ENODEV;                                 \
		pthread_mutex_lock(&dp->control_lock);             \
		bool paused_ = poller_pause(dp);                   \
		if (dp->running)                                   \
			rc_ = (call);                              \
		poller_resume(dp, paused_);                        \
		pthread_mutex_unlock(&dp->control_lock);           \
		return rc_;                                        \
	} while (0)

int mcastrx_socket_open_sized(int family, uint32_t ring_size)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (ring_size != 0 && !power_of_two(ring_size))
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	pthread_mutex_lock(&dp->control_lock);
	int rc = -ENODEV;
	if (dp->running) {
		rc = mrx_socket_open(dp->engine, family);
		if (rc >= 0) {
			int handle = rc;
			rc = mrx_socket_slot_create(dp, handle, family,
						    ring_size ? ring_size : dp->settings.socket_ring_size);
			if (rc == 0)
				rc = handle;
			else
				mrx_socket_close(dp->engine, handle);
		}
	}
	pthread_mutex_unlock(&dp->control_lock);
	return rc;
}

int mcastrx_socket_open(int family)
{
	return mcastrx_socket_open_sized(family, 0);
}

static struct mrx_socket_slot *slot_get(struct mrx_dataplane *dp, int socket)
{
	if (dp->sockets == NULL || socket < 0 || (uint32_t)socket >= dp->max_sockets)
		return NULL;
	return __atomic_load_n(&dp->sockets[socket], __ATOMIC_ACQUIRE);
}

int mcastrx_socket_close(int socket)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	pthread_mutex_lock(&dp->control_lock);
	int rc = -ENODEV;
	if (dp->running) {
		rc = -EBADF;
		if (slot_get(dp, socket) != NULL) {
			bool paused = poller_pause(dp);
			rc = mrx_socket_close(dp->engine, socket);
			mrx_socket_slot_destroy(dp, socket);
			poller_resume(dp, paused);
		}
	}
	pthread_mutex_unlock(&dp->control_lock);
	return rc;
}

static int bind_locked(struct mrx_dataplane *dp, int socket, const struct sockaddr *address,
		       socklen_t length)
{
	struct mrx_socket_slot *slot = slot_get(dp, socket);
	if (slot == NULL)
		return -EBADF;
	if (address == NULL)
		return -EFAULT;
	if (length < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (address->sa_family != slot->family)
		return -EAFNOSUPPORT;
	if (slot->bound)
		return -EINVAL;
	struct mrx_addr group;
	uint16_t port;
	bool any;
	if (slot->family == AF_INET) {
		if (length < (socklen_t)sizeof(struct sockaddr_in))
			return -EINVAL;
		const struct sockaddr_in *in = (const struct sockaddr_in *)address;
		any = in->sin_addr.s_addr == htonl(INADDR_ANY);
		if (!any && !IN_MULTICAST(ntohl(in->sin_addr.s_addr)))
			return -EADDRNOTAVAIL;
		mrx_addr_from_in(&group, in->sin_addr);
		port = ntohs(in->sin_port);
	} else {
		if (length < (socklen_t)sizeof(struct sockaddr_in6))
			return -EINVAL;
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)address;
		any = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		if (!any && !IN6_IS_ADDR_MULTICAST(&in6->sin6_addr))
			return -EADDRNOTAVAIL;
		mrx_addr_from_in6(&group, &in6->sin6_addr);
		port = ntohs(in6->sin6_port);
	}
	slot->bound_port = port;
	slot->bound_to_group = !any;
	slot->bound_group = group;
	__atomic_store_n(&slot->bound, true, __ATOMIC_RELEASE);
	return 0;
}

int mcastrx_bind(int socket, const struct sockaddr *address, socklen_t length)
{
	LOCKED_ENGINE_CALL(bind_locked(dp, socket, address, length));
}

int mcastrx_setsockopt(int socket, int level, int option, const void *value, socklen_t length)
{
	LOCKED_ENGINE_CALL(mrx_setsockopt(dp->engine, socket, level, option, value, length));
}

int mcastrx_getsockopt(int socket, int level, int option, void *value, socklen_t *length)
{
	LOCKED_ENGINE_CALL(mrx_getsockopt(dp->engine, socket, level, option, value, length));
}

int mcastrx_setsourcefilter(int socket, uint32_t ifindex, const struct sockaddr *group,
			    socklen_t group_length, uint32_t mode, uint32_t source_count,
			    const struct sockaddr_storage *sources)
{
	LOCKED_ENGINE_CALL(mrx_setsourcefilter(dp->engine, socket, ifindex, group, group_length, mode,
					       source_count, sources));
}

int mcastrx_getsourcefilter(int socket, uint32_t ifindex, const struct sockaddr *group,
			    socklen_t group_length, uint32_t *mode, uint32_t *source_count,
			    struct sockaddr_storage *sources)
{
	LOCKED_ENGINE_CALL(mrx_getsourcefilter(dp->engine, socket, ifindex, group, group_length, mode,
					       source_count, sources));
}

int mcastrx_setipv4sourcefilter(int socket, struct in_addr interface, struct in_addr group,
				uint32_t mode, uint32_t source_count, const struct in_addr *sources)
{
	LOCKED_ENGINE_CALL(mrx_setipv4sourcefilter(dp->engine, socket, interface, group, mode,
						   source_count, sources));
}

int mcastrx_getipv4sourcefilter(int socket, struct in_addr interface, struct in_addr group,
				uint32_t *mode, uint32_t *source_count, struct in_addr *sources)
{
	LOCKED_ENGINE_CALL(mrx_getipv4sourcefilter(dp->engine, socket, interface, group, mode,
						   source_count, sources));
}

int mcastrx_with_engine(int (*fn)(struct mrx_engine *engine, void *context), void *context)
{
	if (fn == NULL)
		return -EINVAL;
	LOCKED_ENGINE_CALL(fn(dp->engine, context));
}

/* ---- receive ---- */

int mcastrx_recv_burst(int socket, struct mcastrx_packet *packets, unsigned count)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	struct mrx_socket_slot *slot = slot_get(dp, socket);
	if (slot == NULL)
		return -EBADF;
	if (count == 0)
		return 0;
	if (packets == NULL)
		return -EINVAL;
	struct rte_mbuf *mbufs[MRX_MAX_BURST];
	unsigned total = 0;
	uint64_t bytes = 0;
	while (total < count) {
		unsigned want = RTE_MIN(count - total, (unsigned)MRX_MAX_BURST);
		unsigned taken = rte_ring_sc_dequeue_burst(slot->ring, (void **)mbufs, want, NULL);
		/* The packet info (the description the lcore wrote, two lines)
		 * for the burst: the copies below miss otherwise. The frame
		 * itself is not read here. */
		for (unsigned i = 0; i < taken; i++) {
			rte_prefetch0(mrx_packet_info(mbufs[i]));
			rte_prefetch0((uint8_t *)mrx_packet_info(mbufs[i]) + RTE_CACHE_LINE_SIZE);
		}
		for (unsigned i = 0; i < taken; i++) {
			mrx_fill_packet(mbufs[i], &packets[total + i]);
			bytes += packets[total + i].payload_length;
		}
		total += taken;
		if (taken < want)
			break;
	}
	MRX_COUNTER_ADD(slot->counters[MCASTRX_SOCKET_RECEIVED], total);
	MRX_COUNTER_ADD(slot->counters[MCASTRX_SOCKET_RECEIVED_BYTES], bytes);
	return (int)total;
}

/* The last reference to a direct mbuf of one segment from pool: it can go
 * straight back to the pool (what rte_pktmbuf_prefree_seg would find). */
static inline bool plain_mbuf(const struct rte_mbuf *mbuf, const struct rte_mempool *pool)
{
	/* refcnt and nb_segs in one load: both must be 1. */
	uint32_t refcnt_and_segments;
	RTE_BUILD_BUG_ON(offsetof(struct rte_mbuf, nb_segs) !=
			 offsetof(struct rte_mbuf, refcnt) + sizeof(uint16_t));
	memcpy(&refcnt_and_segments, &mbuf->refcnt, sizeof(refcnt_and_segments));
	const uint32_t ones = 1u | 1u << 16; /* both halves 1, whatever the byte order */
	return refcnt_and_segments == ones && mbuf->next == NULL && RTE_MBUF_DIRECT(mbuf) &&
	       mbuf->pool == pool;
}

void mcastrx_packets_free(struct mcastrx_packet *packets, unsigned count)
{
	if (packets == NULL)
		return;
	/* In bulk: one mempool put per burst instead of one per packet. The
	 * common mbuf (last reference, one segment, direct, from the same pool
	 * as the first such) goes straight back to its pool; any other the
	 * general way (rte_pktmbuf_free_bulk: references, segments, indirect). */
	struct rte_mbuf *plain[MRX_MAX_BURST], *other[MRX_MAX_BURST];
	unsigned plain_count = 0, other_count = 0;
	struct rte_mempool *pool = NULL;
	for (unsigned i = 0; i < count; i++) {
		struct rte_mbuf *mbuf = packets[i].mbuf;
		if (mbuf == NULL)
			continue;
		packets[i].mbuf = NULL;
		if (pool == NULL)
			pool = mbuf->pool;
		/* A reference shared with other sockets (fan-out): drop ours; the
		 * last one frees (as rte_pktmbuf_prefree_seg: refcnt back to 1). */
		if (rte_mbuf_refcnt_read(mbuf) != 1) {
			if (rte_mbuf_refcnt_update(mbuf, -1) != 0)
				continue;
			rte_mbuf_refcnt_set(mbuf, 1);
		}
		if (likely(plain_mbuf(mbuf, pool))) {
			plain[plain_count++] = mbuf;
			if (unlikely(plain_count == RTE_DIM(plain))) {
				rte_mempool_put_bulk(pool, (void **)plain, plain_count);
				plain_count = 0;
			}
		} else {
			other[other_count++] = mbuf;
			if (unlikely(other_count == RTE_DIM(other))) {
				rte_pktmbuf_free_bulk(other, other_count);
				other_count = 0;
			}
		}
	}
	if (plain_count > 0)
		rte_mempool_put_bulk(pool, (void **)plain, plain_count);
	if (other_count > 0)
		rte_pktmbuf_free_bulk(other, other_count);
}

/* ---- statistics ---- */

unsigned mcastrx_lcore_count(void)
{
	return mcastrx_running() ? mrx_dataplane.lcore_count : 0;
}

int mcastrx_lcore_stats(unsigned index, struct mcastrx_lcore_stats *stats)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (stats == NULL)
		return -EINVAL;
	if (!mcastrx_running())
		return -ENODEV;
	if (index >= dp->lcore_count)
		return -ERANGE;
	const struct mrx_lcore *lcore = &dp->lcores[index];
	memset(stats, 0, sizeof(*stats));
	stats->lcore_id = lcore->lcore_id;
	stats->queue_count = lcore->queue_count;
	for (unsigned i = 0; i < MCASTRX_LCORE_COUNTER_MAX; i++)
		stats->counters[i] = MRX_COUNTER_READ(lcore->counters[i]);
	for (unsigned i = 0; i < MCASTRX_DROP_MAX; i++)
		stats->drops[i] = MRX_COUNTER_READ(lcore->drops[i]);
	return 0;
}

int mcastrx_total_stats(struct mcastrx_lcore_stats *stats)
{
	if (stats == NULL)
		return -EINVAL;
	if (!mcastrx_running())
		return -ENODEV;
	struct mcastrx_lcore_stats one;
	memset(stats, 0, sizeof(*stats));
	stats->lcore_id = RTE_MAX_LCORE;
	for (unsigned l = 0; l < mrx_dataplane.lcore_count; l++) {
		if (mcastrx_lcore_stats(l, &one) != 0)
			continue;
		stats->queue_count += one.queue_count;
		for (unsigned i = 0; i < MCASTRX_LCORE_COUNTER_MAX; i++)
			stats->counters[i] += one.counters[i];
		for (unsigned i = 0; i < MCASTRX_DROP_MAX; i++)
			stats->drops[i] += one.drops[i];
	}
	return 0;
}

unsigned mcastrx_port_count(void)
{
	return mcastrx_running() ? mrx_dataplane.port_count : 0;
}

int mcastrx_port_stats(unsigned index, struct mcastrx_port_stats *stats)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (stats == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dp->control_lock);
	int rc = -ENODEV;
	if (dp->running) {
		rc = -ERANGE;
		mrx_ports_refresh_multicast(dp); /* what is in force, if changes are pending */
		if (index < dp->port_count) {
			const struct mrx_port *port = &dp->ports[index];
			memset(stats, 0, sizeof(*stats));
			stats->port_id = port->port_id;
			stats->ifindex = port->ifindex;
			stats->rx_queues = port->settings.rx_queues;
			stats->multicast_mode = port->multicast_mode;
			stats->allmulticast_error = port->allmulticast_error;
			if (mrx_interface_versions(dp->engine, port->ifindex, &stats->igmp_version,
						   &stats->mld_version) != 0)
				stats->igmp_version = stats->mld_version = 0;
			memcpy(stats->counters, port->counters, sizeof(stats->counters));
			struct rte_eth_stats eth;
			if (rte_eth_stats_get(port->port_id, &eth) == 0) {
				stats->counters[MCASTRX_PORT_RX_PACKETS] = eth.ipackets;
				stats->counters[MCASTRX_PORT_RX_BYTES] = eth.ibytes;
				stats->counters[MCASTRX_PORT_RX_MISSED] = eth.imissed;
				stats->counters[MCASTRX_PORT_RX_ERRORS] = eth.ierrors;
				stats->counters[MCASTRX_PORT_RX_NO_MBUF] = eth.rx_nombuf;
			}
			rc = 0;
		}
	}
	pthread_mutex_unlock(&dp->control_lock);
	return rc;
}

static void socket_stats_fill(const struct mrx_socket_slot *slot, struct mcastrx_socket_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->socket = slot->handle;
	stats->family = slot->family;
	stats->bound = slot->bound;
	stats->bound_port = slot->bound_port;
	stats->bound_group = slot->bound_group;
	stats->ring_count = rte_ring_count(slot->ring);
	stats->ring_size = slot->ring_size;
	for (unsigned i = 0; i < MCASTRX_SOCKET_COUNTER_MAX; i++)
		stats->counters[i] = __atomic_load_n(&slot->counters[i], __ATOMIC_RELAXED);
}

int mcastrx_socket_stats(int socket, struct mcastrx_socket_stats *stats)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (stats == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dp->control_lock);
	int rc = -EBADF;
	struct mrx_socket_slot *slot = dp->running ? slot_get(dp, socket) : NULL;
	if (slot != NULL) {
		socket_stats_fill(slot, stats);
		rc = 0;
	}
	pthread_mutex_unlock(&dp->control_lock);
	return rc;
}

void mcastrx_foreach_socket(void (*cb)(void *context, const struct mcastrx_socket_stats *stats),
			    void *context)
{
	struct mrx_dataplane *dp = &mrx_dataplane;
	if (cb == NULL)
		return;
	pthread_mutex_lock(&dp->control_lock);
	for (uint32_t h = 0; dp->running && h < dp->max_sockets; h++) {
		struct mrx_socket_slot *slot = dp->sockets[h];
		if (slot == NULL)
			continue;
		struct mcastrx_socket_stats stats;
		socket_stats_fill(slot, &stats);
		cb(context, &stats);
	}
	pthread_mutex_unlock(&dp->control_lock);
}
