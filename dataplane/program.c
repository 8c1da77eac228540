/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Helpers over the program's state shared by main.c, telemetry.c and the
 * control-socket handler (see program.h).
 */
#include "program.h"

#include <stdio.h>
#include <string.h>

static const char *const group_counter_names[] = {
#define MRX_GROUP_COUNTER_NAME(name, text) #name,
	MRX_GROUP_COUNTERS(MRX_GROUP_COUNTER_NAME)
#undef MRX_GROUP_COUNTER_NAME
};

const char *mrx_group_counter_name(enum mrx_group_counter counter)
{
	return (unsigned)counter < MRX_GROUP_COUNTER_MAX ? group_counter_names[counter] : NULL;
}

const struct mrx_program_socket *mrx_program_socket_by_handle(const struct mrx_program *program,
							      int handle)
{
	for (uint32_t i = 0; i < program->config.socket_count; i++)
		if (program->sockets[i].handle == handle && handle >= 0)
			return &program->sockets[i];
	return NULL;
}

struct filter_walk {
	const struct mrx_program *program;
	void (*cb)(void *context, const struct mrx_program_socket *socket,
		   const struct mrx_change *filter);
	void *context;
};

static void visit_filter(void *context, const struct mrx_change *filter)
{
	struct filter_walk *walk = context;
	walk->cb(walk->context, mrx_program_socket_by_handle(walk->program, filter->socket), filter);
}

static int walk_filters(struct mrx_engine *engine, void *context)
{
	mrx_engine_foreach_filter(engine, visit_filter, context);
	return 0;
}

void mrx_program_foreach_filter(const struct mrx_program *program,
				void (*cb)(void *context, const struct mrx_program_socket *socket,
					   const struct mrx_change *filter),
				void *context)
{
	struct filter_walk walk = {.program = program, .cb = cb, .context = context};
	mcastrx_with_engine(walk_filters, &walk);
}

const char *mrx_program_format_filter(const struct mrx_change *filter, char *buffer, size_t size)
{
	size_t used = (size_t)snprintf(buffer, size, "%s",
				       filter->mode == MRX_MODE_INCLUDE ? "include" : "exclude");
	for (uint32_t i = 0; i < filter->source_count && used < size; i++) {
		char text[INET6_ADDRSTRLEN];
		mrx_addr_format(&filter->sources[i], text, sizeof(text));
		if (used + strlen(text) + 5 >= size) {
			snprintf(buffer + used, size - used, " ...");
			break;
		}
		used += (size_t)snprintf(buffer + used, size - used, " %s", text);
	}
	return buffer;
}

const char *mrx_program_interface_name(const struct mrx_program *program, uint32_t ifindex,
				       char *buffer, size_t size)
{
	for (uint32_t i = 0; i < program->config.interface_count; i++)
		if (mcastrx_port_ifindex(program->config.interfaces[i].port_id) == ifindex) {
			snprintf(buffer, size, "%s", program->config.interfaces[i].name);
			return buffer;
		}
	snprintf(buffer, size, "ifindex%u", ifindex);
	return buffer;
}
