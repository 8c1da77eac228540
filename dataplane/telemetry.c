/* SPDX-License-Identifier: BSD-3-Clause
 *
 * /mcastrx/stats, /mcastrx/sockets, /mcastrx/groups (see telemetry.h).
 * Callbacks run on DPDK's telemetry thread: they read counters with relaxed
 * loads and the library's stats calls, and walk filters under the control
 * lock (mcastrx_with_engine).
 */
#include "telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

static pthread_mutex_t program_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mrx_program *attached;

#define DICT_ROOM (RTE_TEL_MAX_DICT_ENTRIES - 1) /* one kept for "truncated" */

struct dict {
	struct rte_tel_data *data;
	unsigned entries;
	unsigned omitted;
};

static void dict_u64(struct dict *dict, const char *name, uint64_t value)
{
	if (dict->entries >= DICT_ROOM) {
		dict->omitted++;
		return;
	}
	rte_tel_data_add_dict_u64(dict->data, name, value);
	dict->entries++;
}

static void dict_string(struct dict *dict, const char *name, const char *value)
{
	if (dict->entries >= DICT_ROOM) {
		dict->omitted++;
		return;
	}
	rte_tel_data_add_dict_string(dict->data, name, value);
	dict->entries++;
}

/* Takes ownership of container. */
static void dict_container(struct dict *dict, const char *name, struct rte_tel_data *container)
{
	if (dict->entries >= DICT_ROOM) {
		dict->omitted++;
		rte_tel_data_free(container);
		return;
	}
	rte_tel_data_add_dict_container(dict->data, name, container, 0);
	dict->entries++;
}

static void dict_finish(struct dict *dict)
{
	if (dict->omitted > 0)
		rte_tel_data_add_dict_u64(dict->data, "truncated", dict->omitted);
}

static struct rte_tel_data *u64_array(void)
{
	struct rte_tel_data *array = rte_tel_data_alloc();
	if (array != NULL)
		rte_tel_data_start_array(array, RTE_TEL_U64_VAL);
	return array;
}

static struct rte_tel_data *string_array(void)
{
	struct rte_tel_data *array = rte_tel_data_alloc();
	if (array != NULL)
		rte_tel_data_start_array(array, RTE_TEL_STRING_VAL);
	return array;
}

/* ---- /mcastrx/stats ---- */

static int engine_totals(struct mrx_engine *engine, void *context)
{
	return mrx_engine_counters(engine, 0, context);
}

static int stats_command(const char *command, const char *parameters, struct rte_tel_data *data)
{
	struct mrx_program *program = attached;
	struct dict dict = {.data = data};
	char name[RTE_TEL_MAX_STRING_LEN];
	rte_tel_data_start_dict(data);

	struct mcastrx_lcore_stats total;
	if (mcastrx_total_stats(&total) < 0)
		return -ENODEV;
	for (int c = 0; c < MCASTRX_LCORE_COUNTER_MAX; c++)
		dict_u64(&dict, mcastrx_lcore_counter_name(c), total.counters[c]);
	for (int r = 0; r < MCASTRX_DROP_MAX; r++) {
		snprintf(name, sizeof(name), "drop_%s", mcastrx_drop_reason_name(r));
		dict_u64(&dict, name, total.drops[r]);
	}
	uint64_t engine[MRX_COUNTER_MAX] = {0};
	if (mcastrx_with_engine(engine_totals, engine) == 0) {
		for (int c = 0; c < MRX_COUNTER_MAX; c++) {
			snprintf(name, sizeof(name), "control_%s", mrx_counter_name(c));
			dict_u64(&dict, name, engine[c]);
		}
	}
	snprintf(name, sizeof(name), "%.3f", program->rx_mpps);
	dict_string(&dict, "rx_mpps", name);
	dict_u64(&dict, "uptime_ms", (mcastrx_clock_ns() - program->started_ns) / 1000000);

	struct rte_tel_data *fields = string_array();
	if (fields != NULL) {
		for (int c = 0; c < MCASTRX_LCORE_COUNTER_MAX; c++)
			rte_tel_data_add_array_string(fields, mcastrx_lcore_counter_name(c));
		for (int r = 0; r < MCASTRX_DROP_MAX; r++) {
			snprintf(name, sizeof(name), "drop_%s", mcastrx_drop_reason_name(r));
			rte_tel_data_add_array_string(fields, name);
		}
		dict_container(&dict, "lcore_fields", fields);
	}
	for (unsigned i = 0; i < mcastrx_lcore_count(); i++) {
		struct mcastrx_lcore_stats lcore;
		struct rte_tel_data *values = u64_array();
		if (values == NULL || mcastrx_lcore_stats(i, &lcore) < 0) {
			rte_tel_data_free(values);
			continue;
		}
		for (int c = 0; c < MCASTRX_LCORE_COUNTER_MAX; c++)
			rte_tel_data_add_array_u64(values, lcore.counters[c]);
		for (int r = 0; r < MCASTRX_DROP_MAX; r++)
			rte_tel_data_add_array_u64(values, lcore.drops[r]);
		snprintf(name, sizeof(name), "lcore%u",
			 i < MCASTRX_MAX_LCORES ? program->slot_lcores[i] : lcore.lcore_id);
		dict_container(&dict, name, values);
	}
	fields = string_array();
	if (fields != NULL) {
		for (int c = 0; c < MCASTRX_PORT_COUNTER_MAX; c++)
			rte_tel_data_add_array_string(fields, mcastrx_port_counter_name(c));
		dict_container(&dict, "port_fields", fields);
	}
	for (unsigned i = 0; i < mcastrx_port_count(); i++) {
		struct mcastrx_port_stats port;
		struct rte_tel_data *values = u64_array();
		if (values == NULL || mcastrx_port_stats(i, &port) < 0) {
			rte_tel_data_free(values);
			continue;
		}
		for (int c = 0; c < MCASTRX_PORT_COUNTER_MAX; c++)
			rte_tel_data_add_array_u64(values, port.counters[c]);
		snprintf(name, sizeof(name), "port%u", port.port_id);
		dict_container(&dict, name, values);
		snprintf(name, sizeof(name), "port%u_multicast_mode", port.port_id);
		dict_string(&dict, name, mcastrx_multicast_mode_name(port.multicast_mode));
		snprintf(name, sizeof(name), "port%u_igmp_version", port.port_id);
		dict_u64(&dict, name, port.igmp_version);
		snprintf(name, sizeof(name), "port%u_mld_version", port.port_id);
		dict_u64(&dict, name, port.mld_version);
	}
	dict_finish(&dict);
	(void)command;
	(void)parameters;
	return 0;
}

/* ---- /mcastrx/sockets ---- */

/* DPDK 22.11 accepts only [A-Za-z0-9_/] in dict keys: socket names, group
 * addresses and filters therefore travel as string values, and the
 * per-socket / per-group numbers as arrays aligned with a "names" array. */

struct memberships_walk {
	const struct mrx_program_socket *socket; /* NULL: every socket */
	struct rte_tel_data *list;
	unsigned count;
	const char *only_group; /* NULL: every group */
	const struct mrx_program *program;
};

static void add_filter_line(void *context, const struct mrx_program_socket *socket,
			    const struct mrx_change *filter)
{
	struct memberships_walk *walk = context;
	char group[INET6_ADDRSTRLEN];
	char interface[MRX_CONFIG_NAME_MAX + 8];
	char text[RTE_TEL_MAX_STRING_LEN];
	char modes[RTE_TEL_MAX_STRING_LEN];
	if (walk->socket != NULL && socket != walk->socket)
		return;
	mrx_addr_format(&filter->group, group, sizeof(group));
	if (walk->only_group != NULL && strcmp(group, walk->only_group) != 0)
		return;
	if (walk->count >= RTE_TEL_MAX_ARRAY_ENTRIES)
		return;
	if (walk->socket != NULL)
		snprintf(text, sizeof(text), "%s %s", group,
			 mrx_program_format_filter(filter, modes, sizeof(modes)));
	else
		snprintf(text, sizeof(text), "%s %s %s %s",
			 mrx_program_interface_name(walk->program, filter->ifindex, interface,
						    sizeof(interface)),
			 group, socket != NULL ? socket->config->name : "?",
			 mrx_program_format_filter(filter, modes, sizeof(modes)));
	rte_tel_data_add_array_string(walk->list, text);
	walk->count++;
}

#define SOCKET_VALUES (MCASTRX_SOCKET_COUNTER_MAX + MRX_SINK_COUNTER_MAX + 1)

static void socket_values(const struct mrx_program_socket *socket, uint64_t *values)
{
	struct mcastrx_socket_stats stats = socket->last_stats;
	if (socket->handle >= 0)
		mcastrx_socket_stats(socket->handle, &stats);
	unsigned n = 0;
	for (int c = 0; c < MCASTRX_SOCKET_COUNTER_MAX; c++)
		values[n++] = stats.counters[c];
	for (int c = 0; c < MRX_SINK_COUNTER_MAX; c++)
		values[n++] = socket->sink != NULL ? mrx_sink_counter(socket->sink, c) : 0;
	values[n++] = stats.ring_count;
}

static const char *socket_field_name(unsigned index, char *buffer, size_t size)
{
	if (index < MCASTRX_SOCKET_COUNTER_MAX)
		return mcastrx_socket_counter_name(index);
	index -= MCASTRX_SOCKET_COUNTER_MAX;
	if (index < MRX_SINK_COUNTER_MAX) {
		snprintf(buffer, size, "sink_%s", mrx_sink_counter_name(index));
		return buffer;
	}
	return "RING_COUNT";
}

static int one_socket(struct mrx_program *program, const char *name, struct dict *dict)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	uint64_t values[SOCKET_VALUES];
	int index = mrx_config_find_socket(&program->config, name);
	if (index < 0)
		return -EINVAL;
	const struct mrx_program_socket *socket = &program->sockets[index];
	dict_string(dict, "name", socket->config->name);
	if (dict->entries < DICT_ROOM) { /* -1 once closed */
		rte_tel_data_add_dict_int(dict->data, "handle", socket->handle);
		dict->entries++;
	}
	dict_string(dict, "family", socket->config->family == AF_INET ? "ipv4" : "ipv6");
	dict_string(dict, "interface", program->config.interfaces[socket->config->interface].name);
	dict_u64(dict, "udp_port", socket->config->udp_port);
	dict_string(dict, "sink", socket->sink != NULL ? mrx_sink_describe(socket->sink) : "closed");
	socket_values(socket, values);
	for (unsigned i = 0; i < SOCKET_VALUES; i++)
		dict_u64(dict, socket_field_name(i, key, sizeof(key)), values[i]);
	struct memberships_walk walk = {.socket = socket, .list = string_array(), .program = program};
	if (walk.list != NULL) {
		mrx_program_foreach_filter(program, add_filter_line, &walk);
		dict_container(dict, "memberships", walk.list);
	}
	return 0;
}

static int sockets_command(const char *command, const char *parameters,
			   struct rte_tel_data *data)
{
	struct mrx_program *program = attached;
	struct dict dict = {.data = data};
	char key[RTE_TEL_MAX_STRING_LEN];
	rte_tel_data_start_dict(data);
	(void)command;
	if (parameters != NULL && parameters[0] != '\0') {
		int result = one_socket(program, parameters, &dict);
		dict_finish(&dict);
		return result;
	}
	uint32_t count = program->config.socket_count;
	if (count > RTE_TEL_MAX_ARRAY_ENTRIES)
		count = RTE_TEL_MAX_ARRAY_ENTRIES;
	struct rte_tel_data *names = string_array();
	struct rte_tel_data *columns[SOCKET_VALUES];
	for (unsigned v = 0; v < SOCKET_VALUES; v++)
		columns[v] = u64_array();
	for (uint32_t i = 0; i < count; i++) {
		uint64_t values[SOCKET_VALUES];
		socket_values(&program->sockets[i], values);
		if (names != NULL)
			rte_tel_data_add_array_string(names, program->sockets[i].config->name);
		for (unsigned v = 0; v < SOCKET_VALUES; v++)
			if (columns[v] != NULL)
				rte_tel_data_add_array_u64(columns[v], values[v]);
	}
	if (names != NULL)
		dict_container(&dict, "names", names);
	for (unsigned v = 0; v < SOCKET_VALUES; v++)
		if (columns[v] != NULL)
			dict_container(&dict, socket_field_name(v, key, sizeof(key)), columns[v]);
	if (count < program->config.socket_count)
		dict_u64(&dict, "sockets_not_listed", program->config.socket_count - count);
	dict_finish(&dict);
	return 0;
}

/* ---- /mcastrx/groups ---- */

static int groups_command(const char *command, const char *parameters, struct rte_tel_data *data)
{
	struct mrx_program *program = attached;
	struct dict dict = {.data = data};
	char text[RTE_TEL_MAX_STRING_LEN];
	char group[INET6_ADDRSTRLEN];
	char interface[MRX_CONFIG_NAME_MAX + 8];
	(void)command;
	rte_tel_data_start_dict(data);
	const char *only = parameters != NULL && parameters[0] != '\0' ? parameters : NULL;
	uint32_t count = __atomic_load_n(&program->group_count, __ATOMIC_ACQUIRE);
	struct rte_tel_data *names = string_array();
	struct rte_tel_data *columns[MRX_GROUP_COUNTER_MAX];
	for (int c = 0; c < MRX_GROUP_COUNTER_MAX; c++)
		columns[c] = u64_array();
	unsigned listed = 0, not_listed = 0;
	for (uint32_t i = 0; i < count; i++) {
		const struct mrx_group_slot *slot = &program->groups[i];
		mrx_addr_format(&slot->group, group, sizeof(group));
		if (only != NULL && strcmp(group, only) != 0)
			continue;
		if (listed == RTE_TEL_MAX_ARRAY_ENTRIES) {
			not_listed++;
			continue;
		}
		snprintf(text, sizeof(text), "%s %s",
			 mrx_program_interface_name(program, slot->ifindex, interface,
						    sizeof(interface)),
			 group);
		if (names != NULL)
			rte_tel_data_add_array_string(names, text);
		for (int c = 0; c < MRX_GROUP_COUNTER_MAX; c++)
			if (columns[c] != NULL)
				rte_tel_data_add_array_u64(columns[c],
							   mrx_counter_read(&slot->counters[c]));
		listed++;
	}
	if (names != NULL)
		dict_container(&dict, "names", names);
	for (int c = 0; c < MRX_GROUP_COUNTER_MAX; c++)
		if (columns[c] != NULL)
			dict_container(&dict, mrx_group_counter_name(c), columns[c]);
	if (not_listed)
		dict_u64(&dict, "groups_not_listed", not_listed);
	/* "interface group socket mode sources...", one per socket membership */
	struct memberships_walk walk = {
		.list = string_array(), .only_group = only, .program = program};
	if (walk.list != NULL) {
		mrx_program_foreach_filter(program, add_filter_line, &walk);
		dict_container(&dict, "filters", walk.list);
	}
	dict_finish(&dict);
	return 0;
}

/* Every command goes through here: no program, no answer. */
#define GUARDED(function)                                                                    \
	static int guarded_##function(const char *command, const char *parameters,             \
				      struct rte_tel_data *data)                               \
	{                                                                                    \
		pthread_mutex_lock(&program_lock);                                               \
		int result = attached != NULL ? function(command, parameters, data) : -ENODEV;  \
		pthread_mutex_unlock(&program_lock);                                             \
		return result;                                                                   \
	}
GUARDED(stats_command)
GUARDED(sockets_command)
GUARDED(groups_command)

int mrx_telemetry_register(struct mrx_program *program)
{
	pthread_mutex_lock(&program_lock);
	attached = program;
	pthread_mutex_unlock(&program_lock);
	int result = rte_telemetry_register_cmd(
		"/mcastrx/stats", guarded_stats_command,
		"Totals, every drop reason (data plane and control), per lcore and per port. No "
		"parameters");
	if (result == 0)
		result = rte_telemetry_register_cmd(
			"/mcastrx/sockets", guarded_sockets_command,
			"Per-socket counters. Parameter: a socket name for one socket in full");
	if (result == 0)
		result = rte_telemetry_register_cmd(
			"/mcastrx/groups", guarded_groups_command,
			"Per (interface, group) counters and filters. Parameter: a group address");
	return result;
}

void mrx_telemetry_detach(void)
{
	pthread_mutex_lock(&program_lock);
	attached = NULL;
	pthread_mutex_unlock(&program_lock);
}
