/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ports: N RX queues spread by RSS, one TX queue for the control plane's
 * frames, the multicast MAC list programmed from the joined groups with an
 * all-multicast fallback, promiscuous only when asked.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "dataplane.h"

#define DEFAULT_RX_DESCRIPTORS 1024u
#define DEFAULT_TX_DESCRIPTORS 512u
#define CONTROL_TX_QUEUE 0u
/* Largest list we give a device before falling back to allmulti. */
#define MAX_MULTICAST_LIST 128u

struct mrx_port *mrx_port_by_ifindex(struct mrx_dataplane *dp, uint32_t ifindex)
{
	if (ifindex == 0 || ifindex > RTE_MAX_ETHPORTS)
		return NULL;
	uint16_t index = dp->port_index_by_id[ifindex - 1];
	return index == UINT16_MAX ? NULL : &dp->ports[index];
}

static int port_start(struct mrx_dataplane *dp, struct mrx_port *port)
{
	uint16_t port_id = port->port_id;
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return rc;
	uint16_t queues = port->settings.rx_queues;
	if (queues > info.max_rx_queues || info.max_tx_queues < 1)
		return -EINVAL;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (queues > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	rc = rte_eth_dev_configure(port_id, queues, 1, &conf);
	if (rc != 0)
		return rc;
	uint16_t rx_descriptors = port->settings.rx_descriptors;
	uint16_t tx_descriptors = port->settings.tx_descriptors;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_descriptors, &tx_descriptors);
	if (rc != 0)
		return rc;
	int socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (uint16_t q = 0; q < queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rx_descriptors, (unsigned)socket, NULL, dp->pool);
		if (rc != 0)
			return rc;
	}
	rc = rte_eth_tx_queue_setup(port_id, CONTROL_TX_QUEUE, tx_descriptors, (unsigned)socket, NULL);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		return rc;
	port->started = true;
	if (port->settings.promiscuous) {
		rc = rte_eth_promiscuous_enable(port_id);
		if (rc != 0) {
			RTE_LOG(ERR, USER1, "mcastrx: port %u: promiscuous mode refused (%d)\n", port_id, rc);
			return rc;
		}
		port->multicast_mode = MCASTRX_MULTICAST_PROMISCUOUS;
	} else {
		port->multicast_mode = MCASTRX_MULTICAST_LIST;
	}
	port->multicast_dirty = true;
	return 0;
}

int mrx_ports_start(struct mrx_dataplane *dp)
{
	for (uint32_t i = 0; i < dp->port_count; i++) {
		int rc = port_start(dp, &dp->ports[i]);
		if (rc != 0) {
			RTE_LOG(ERR, USER1, "mcastrx: port %u: start failed (%d)\n", dp->ports[i].port_id, rc);
			return rc < 0 ? rc : -EIO;
		}
	}
	return 0;
}

void mrx_ports_stop(struct mrx_dataplane *dp)
{
	for (uint32_t i = 0; i < dp->port_count; i++) {
		struct mrx_port *port = &dp->ports[i];
		if (!port->started)
			continue;
		rte_eth_dev_set_mc_addr_list(port->port_id, NULL, 0);
		if (port->multicast_mode == MCASTRX_MULTICAST_ALLMULTI_FORCED)
			rte_eth_allmulticast_disable(port->port_id);
		if (port->settings.promiscuous)
			rte_eth_promiscuous_disable(port->port_id);
		int rc = rte_eth_dev_stop(port->port_id);
		if (rc != 0)
			RTE_LOG(WARNING, USER1, "mcastrx: port %u: stop failed (%d)\n", port->port_id, rc);
		port->started = false;
	}
}

/* RFC 1112 6.4: 01:00:5e + low 23 bits; RFC 2464 7: 33:33 + low 32 bits. */
void mrx_multicast_mac(const struct mrx_addr *group, uint8_t mac[6])
{
	if (mrx_addr_is_v4(group)) {
		mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
		mac[3] = group->bytes[13] & 0x7f, mac[4] = group->bytes[14], mac[5] = group->bytes[15];
	} else {
		mac[0] = 0x33, mac[1] = 0x33;
		memcpy(mac + 2, group->bytes + 12, 4);
	}
}

struct multicast_list {
	uint32_t ifindex;
	uint32_t count;
	bool overflow;
	struct rte_ether_addr addresses[MAX_MULTICAST_LIST];
};

static void list_add(struct multicast_list *list, const uint8_t mac[6])
{
	for (uint32_t i = 0; i < list->count; i++)
		if (memcmp(list->addresses[i].addr_bytes, mac, 6) == 0)
			return;
	if (list->count == MAX_MULTICAST_LIST) {
		list->overflow = true;
		return;
	}
	memcpy(list->addresses[list->count++].addr_bytes, mac, 6);
}

static bool list_add_group(void *context, const struct mrx_addr *group)
{
	struct multicast_list *list = context;
	uint8_t mac[6];
	mrx_multicast_mac(group, mac);
	list_add(list, mac);
	return !list->overflow; /* past the limit the port is all-multicast anyway */
}

static void refresh_port(struct mrx_dataplane *dp, struct mrx_port *port)
{
	struct multicast_list list = {.ifindex = port->ifindex};
	/* Queries arrive on all-systems 224.0.0.1 (RFC 3376 4.1.12) and
	 * all-nodes ff02::1 (RFC 3810 5.1.15), or on the group itself. */
	static const uint8_t all_systems[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t all_nodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	list_add(&list, all_systems);
	list_add(&list, all_nodes);
	mrx_control_foreach_group(dp, port->ifindex, list_add_group, &list);
	port->multicast_address_count = list.count;
	port->counters[MCASTRX_PORT_MULTICAST_ADDRESSES] = list.count;
	port->multicast_dirty = false;

	int rc = -ENOSPC;
	if (!list.overflow)
		rc = rte_eth_dev_set_mc_addr_list(port->port_id, list.addresses, list.count);
	if (rc == 0) {
		if (port->multicast_mode == MCASTRX_MULTICAST_ALLMULTI_FORCED) {
			rte_eth_allmulticast_disable(port->port_id);
			port->multicast_mode = MCASTRX_MULTICAST_LIST;
			port->allmulticast_error = 0;
		}
		return;
	}
	/* The device refused the list or it is too long: all multicast. */
	if (port->multicast_mode == MCASTRX_MULTICAST_PROMISCUOUS)
		return;
	if (port->multicast_mode != MCASTRX_MULTICAST_ALLMULTI_FORCED) {
		/* af_packet / af_xdp answer -ENOTSUP: not fatal, noted in stats. */
		port->allmulticast_error = rte_eth_allmulticast_enable(port->port_id);
		port->multicast_mode = MCASTRX_MULTICAST_ALLMULTI_FORCED;
	}
}

void mrx_ports_refresh_multicast(struct mrx_dataplane *dp)
{
	for (uint32_t i = 0; i < dp->port_count; i++) {
		struct mrx_port *port = &dp->ports[i];
		if (port->started && port->multicast_dirty)
			refresh_port(dp, port);
	}
}

void mrx_ports_follow_link(struct mrx_dataplane *dp)
{
	uint64_t now = mrx_clock_ns();
	for (uint32_t i = 0; i < dp->port_count; i++) {
		struct mrx_port *port = &dp->ports[i];
		if (!port->started || (port->link_known && now - port->link_checked_ns < MRX_LINK_POLL_NS))
			continue;
		port->link_checked_ns = now;
		struct rte_eth_link link;
		if (rte_eth_link_get_nowait(port->port_id, &link) != 0)
			continue;
		bool up = link.link_status == RTE_ETH_LINK_UP;
		/* The interface starts as configured: only a change (or a link
		 * found down at the first look) is news for the engine. */
		bool changed = port->link_known ? up != port->link_up : !up;
		if (changed) {
			/* Up again: the engine sends the current state report of
			 * every group (RFC 3376 5.1 / RFC 3810 6.1, as for new
			 * memberships); down: memberships kept, nothing sent. */
			bool engine_up = up && port->settings.interface.up;
			int rc = mrx_interface_set_up(dp->engine, port->ifindex, engine_up);
			RTE_LOG(NOTICE, USER1, "mcastrx: port %u: link %s%s\n", port->port_id,
				up ? "up" : "down", rc == 0 ? "" : " (engine refused the change)");
			port->link_changes++;
		}
		port->link_known = true;
		port->link_up = up;
	}
}
