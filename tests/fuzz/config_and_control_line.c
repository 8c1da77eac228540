/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target config_and_control_line: the program's two text parsers,
 * mrx_config_load (the INI configuration, dataplane/config.c) and
 * mrx_ctl_parse_line (the control socket's line protocol,
 * dataplane/control_socket.c). Byte 0 chooses: even, the rest is a
 * configuration file (given to the loader through a memfd); odd, the rest
 * is request lines, each parsed on its own (exact-size copies).
 *
 * Checks beyond "no crash, no leak": the loader either fails with a
 * negative errno, a one-line message and an empty config, or succeeds with
 * a config whose counts, indexes, families and groups are consistent; the
 * line parser returns 0 or one of its documented errors (-EMSGSIZE,
 * -EINVAL, -E2BIG) with a message, and a parsed request is within bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "control_socket.h"
#include "fuzz_common.h"

static bool is_multicast(const struct mrx_addr *group, int family)
{
	if (family == AF_INET)
		return mrx_addr_is_v4(group) && (group->bytes[12] & 0xf0) == 0xe0;
	return !mrx_addr_is_v4(group) && group->bytes[0] == 0xff;
}

static void check_message(int rc, const char *error, size_t size, const char *what)
{
	FUZZ_CHECK(memchr(error, 0, size) != NULL, "%s: message not terminated", what);
	FUZZ_CHECK(error[0] != 0, "%s: error %d without a message", what, rc);
	FUZZ_CHECK(strchr(error, '\n') == NULL, "%s: message of more than one line: %s", what, error);
}

static void fuzz_config(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.ini", 0);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "write memfd");
	char path[64], error[512];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct mrx_config config;
	memset(error, 0x55, sizeof(error));
	int rc = mrx_config_load(path, &config, error, sizeof(error));
	close(fd);
	if (rc < 0) {
		check_message(rc, error, sizeof(error), "mrx_config_load");
		FUZZ_CHECK(config.interface_count == 0 && config.socket_count == 0 && config.sockets == NULL,
			   "failed load (%s) left a config behind", error);
		mrx_config_free(&config);
		return;
	}
	FUZZ_CHECK(rc == 0, "mrx_config_load returned %d", rc);
	FUZZ_CHECK(config.interface_count >= 1 && config.interface_count <= MRX_CONFIG_MAX_INTERFACES,
		   "%u interfaces", config.interface_count);
	FUZZ_CHECK(config.socket_count <= MRX_CONFIG_MAX_SOCKETS, "%u sockets", config.socket_count);
	for (uint32_t i = 0; i < config.interface_count; i++) {
		const struct mrx_config_interface *interface = &config.interfaces[i];
		FUZZ_CHECK(memchr(interface->name, 0, sizeof(interface->name)), "interface name unterminated");
		FUZZ_CHECK(interface->vlan_id <= 4094, "vlan %u", interface->vlan_id);
		FUZZ_CHECK(interface->force_igmp_version <= 3 && interface->force_mld_version <= 2,
			   "forced versions %u/%u", interface->force_igmp_version, interface->force_mld_version);
		FUZZ_CHECK(mrx_config_find_interface(&config, interface->name) == (int)i,
			   "find_interface(%s) is not interface %u: two interfaces of one name",
			   interface->name, i);
	}
	for (uint32_t i = 0; i < config.socket_count; i++) {
		const struct mrx_config_socket *socket = &config.sockets[i];
		FUZZ_CHECK(socket->interface < config.interface_count, "socket %s on interface %u of %u",
			   socket->name, socket->interface, config.interface_count);
		FUZZ_CHECK(socket->family == AF_INET || socket->family == AF_INET6, "family %d",
			   socket->family);
		FUZZ_CHECK(socket->sink < MRX_SINK_KIND_MAX, "sink %d", socket->sink);
		FUZZ_CHECK(mrx_config_find_socket(&config, socket->name) == (int)i,
			   "find_socket(%s) is not socket %u: two sockets of one name", socket->name, i);
		for (uint32_t m = 0; m < socket->membership_count; m++) {
			const struct mrx_config_membership *membership = &socket->memberships[m];
			FUZZ_CHECK(is_multicast(&membership->group, socket->family),
				   "socket %s: membership %u's group is not multicast of the socket's family",
				   socket->name, m);
			FUZZ_CHECK(membership->mode == MRX_MODE_INCLUDE || membership->mode == MRX_MODE_EXCLUDE,
				   "mode %d", membership->mode);
			FUZZ_CHECK(membership->mode == MRX_MODE_EXCLUDE || membership->source_count > 0,
				   "socket %s: INCLUDE {} membership", socket->name);
			for (uint32_t s = 0; s < membership->source_count; s++) {
				for (uint32_t t = s + 1; t < membership->source_count; t++)
					FUZZ_CHECK(memcmp(&membership->sources[s], &membership->sources[t],
							  sizeof(struct mrx_addr)) != 0,
						   "socket %s: a source listed twice", socket->name);
			}
		}
	}
	mrx_config_free(&config);
	FUZZ_CHECK(config.socket_count == 0 && config.sockets == NULL, "config_free left sockets");
}

static void fuzz_line(const char *line)
{
	static struct mrx_ctl_request request;
	char error[256];
	memset(error, 0x55, sizeof(error));
	int rc = mrx_ctl_parse_line(line, &request, error, sizeof(error));
	if (rc < 0) {
		FUZZ_CHECK(rc == -EMSGSIZE || rc == -EINVAL || rc == -E2BIG, "parse_line returned %d", rc);
		check_message(rc, error, sizeof(error), "mrx_ctl_parse_line");
		return;
	}
	FUZZ_CHECK(rc == 0, "parse_line returned %d", rc);
	FUZZ_CHECK(strlen(line) < MRX_CTL_MAX_LINE, "a line of %zu bytes accepted", strlen(line));
	FUZZ_CHECK(request.command < MRX_CTL_COMMAND_MAX, "command %d", request.command);
	FUZZ_CHECK(memchr(request.socket, 0, sizeof(request.socket)) &&
			   memchr(request.interface, 0, sizeof(request.interface)),
		   "names not terminated");
	FUZZ_CHECK(request.source_count <= MRX_CTL_MAX_SOURCES, "%u sources", request.source_count);
	switch (request.command) {
	case MRX_CTL_JOIN:
	case MRX_CTL_LEAVE:
	case MRX_CTL_BLOCK:
	case MRX_CTL_UNBLOCK:
	case MRX_CTL_SETSOURCEFILTER:
		FUZZ_CHECK(request.socket[0] != 0, "%s without a socket", mrx_ctl_command_word(request.command));
		FUZZ_CHECK(request.group_family == AF_INET || request.group_family == AF_INET6,
			   "group family %d", request.group_family);
		FUZZ_CHECK(mrx_addr_is_v4(&request.group) == (request.group_family == AF_INET),
			   "group family does not match the address");
		for (uint32_t i = 0; i < request.source_count; i++)
			FUZZ_CHECK(request.source_family[i] == AF_INET || request.source_family[i] == AF_INET6,
				   "source family %d", request.source_family[i]);
		break;
	default:
		break;
	}
	if (request.command == MRX_CTL_BLOCK || request.command == MRX_CTL_UNBLOCK)
		FUZZ_CHECK(request.source_count == 1, "%s with %u sources",
			   mrx_ctl_command_word(request.command), request.source_count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		fuzz_config(data + 1, size - 1);
		return 0;
	}
	const uint8_t *at = data + 1, *end = data + size;
	while (at <= end) {
		const uint8_t *newline = memchr(at, '\n', (size_t)(end - at));
		size_t length = (size_t)((newline ? newline : end) - at);
		/* Exact size, NUL-terminated: an embedded NUL just ends the line early. */
		char *line = malloc(length + 1);
		FUZZ_CHECK(line != NULL, "malloc");
		memcpy(line, at, length);
		line[length] = 0;
		fuzz_line(line);
		free(line);
		if (!newline)
			break;
		at = newline + 1;
	}
	return 0;
}

/* ---- seeds: the committed example configurations and every command ---- */

static void fuzz_make_seeds(struct fuzz_seed_writer *writer)
{
	static const char *const configs[][2] = {
		{"config-minimal", "[interface eth0]\nport = 0\n\n[socket a]\nmembership = 239.1.1.1\n"},
		{"config-full",
		 "; every key\n[mcastrx]\ncontrol_socket = /run/x.sock\nenforce_ssm_range = yes\n"
		 "max_memberships_per_socket = 16\nmax_sources_per_filter = 8\nsocket_ring_size = 1024\n\n"
		 "[interface eth0]\nport = 0\nipv4 = 192.0.2.10\nipv6_link_local = fe80::10\nvlan = 100\n"
		 "rx_queues = 2\npromiscuous = no\nmtu = 1500\nforce_igmp_version = 3\nforce_mld_version = 2\n\n"
		 "[interface eth1]\nport = 1\n\n"
		 "[socket asm]\ninterface = eth0\nfamily = ipv4\nudp_port = 5000\nring_size = 512\n"
		 "sink = count\nmembership = 239.1.1.1 exclude 10.0.0.3 10.0.0.4\nmembership = 239.2.2.2\n\n"
		 "[socket ssm]\ninterface = eth1\nsink = pcapng\nfile = /tmp/x.pcapng\n"
		 "membership = 232.1.1.1 include 10.0.0.1\nmembership = 232.1.1.1 include 10.0.0.2\n\n"
		 "[socket v6]\ninterface = eth0\nfamily = ipv6\nsink = forward\nforward_port = 1\n"
		 "membership = ff3e::8000:1 include 2001:db8::1\nmembership = ff0e::101 exclude 2001:db8::2\n"},
		{"config-bad-group", "[interface eth0]\nport = 0\n[socket a]\nmembership = 10.1.1.1\n"},
		{"config-no-interface", "[socket a]\nmembership = 239.1.1.1\n"},
	};
	static const char *const lines =
		"\x01join tv 239.1.1.1\n"
		"join tv 232.1.1.1 10.0.0.1 on eth0\n"
		"leave tv 239.1.1.1\n"
		"leave tv 232.1.1.1 10.0.0.1 on eth1\r\n"
		"block tv 239.1.1.1 10.0.0.3\n"
		"unblock tv ff0e::101 2001:db8::3 on eth0\n"
		"setsourcefilter tv 239.1.1.1 include 10.0.0.1 10.0.0.2 10.0.0.3\n"
		"setsourcefilter tv ff0e::101 exclude\n"
		"show\nshow sockets\nshow groups\nshow stats\nhelp\n"
		"join\nfrobnicate x\njoin tv not-an-address\n";
	uint8_t buffer[2048];
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		size_t length = strlen(configs[i][1]);
		buffer[0] = 0;
		memcpy(buffer + 1, configs[i][1], length);
		fuzz_write_seed(writer, configs[i][0], buffer, length + 1);
	}
	fuzz_write_seed(writer, "lines-every-command", (const uint8_t *)lines, strlen(lines));
}
