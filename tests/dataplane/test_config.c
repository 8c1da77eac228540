/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The program's configuration parser (dataplane/config.h): what a good file
 * gives, and for every bad input the one-line error that names the file,
 * the line, the section and the key, with nothing left allocated.
 * Also loads every configs/NAME.ini of the repository (directory in argv[1]).
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "config.h"

static const char *configs_directory = "configs";

/* Write text to a fresh temporary file; returns its path (static buffer per call site). */
static void write_file(char *path, size_t size, const char *text)
{
	snprintf(path, size, "/tmp/mrx_test_config_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t length = strlen(text);
	assert_int_equal(write(fd, text, length), (ssize_t)length);
	close(fd);
}

static struct mrx_addr addr(const char *text)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof(out));
	struct in_addr v4;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		out.bytes[10] = 0xff;
		out.bytes[11] = 0xff;
		memcpy(&out.bytes[12], &v4, 4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, out.bytes), 1);
	}
	return out;
}

static const char good[] =
	"; a comment\n"
	"[mcastrx]\n"
	"control_socket = /tmp/x.sock\n"
	"max_sources_per_filter = 8\n"
	"\n"
	"[interface uplink]\n"
	"port = 3\n"
	"ipv4 = 192.0.2.10\n"
	"ipv6_link_local = fe80::10\n"
	"vlan = 100\n"
	"rx_queues = 2\n"
	"promiscuous = yes\n"
	"force_igmp_version = 2\n"
	"\n"
	"[socket feed-a]\n"
	"udp_port = 30001\n"
	"sink = pcapng\n"
	"file = /tmp/a.pcapng\n"
	"membership = 232.1.1.1 include 10.0.0.1 10.0.0.2\n"
	"membership = 232.1.1.1 include 10.0.0.3, 10.0.0.1\n"
	"membership = 239.9.9.9 exclude 10.0.0.66\n"
	"membership = 239.9.9.10\n"
	"\n"
	"[socket v6]\n"
	"ring_size = 1024\n"
	"sink = forward\n"
	"forward_port = 1\n"
	"membership = ff3e::8000:1 include 2001:db8::1\n"
	"\n"
	"[socket idle]\n"
	"family = ipv6\n";

static void test_good_file(void **state)
{
	(void)state;
	char path[64];
	char error[512];
	struct mrx_config config;
	write_file(path, sizeof(path), good);
	assert_int_equal(mrx_config_load(path, &config, error, sizeof(error)), 0);
	assert_string_equal(error, "");
	assert_string_equal(config.control_socket, "/tmp/x.sock");
	assert_true(config.enforce_ssm_range);
	assert_int_equal(config.max_sources_per_filter, 8);
	assert_int_equal(config.max_memberships_per_socket, MRX_DEFAULT_MAX_MEMBERSHIPS_PER_SOCKET);

	assert_int_equal(config.interface_count, 1);
	const struct mrx_config_interface *uplink = &config.interfaces[0];
	assert_string_equal(uplink->name, "uplink");
	assert_int_equal(uplink->port_id, 3);
	assert_true(uplink->has_ipv4);
	assert_int_equal(uplink->ipv4.s_addr, inet_addr("192.0.2.10"));
	assert_true(uplink->has_ipv6_link_local);
	assert_int_equal(uplink->ipv6_link_local.s6_addr[0], 0xfe);
	assert_int_equal(uplink->ipv6_link_local.s6_addr[15], 0x10);
	assert_int_equal(uplink->vlan_id, 100);
	assert_int_equal(uplink->rx_queues, 2);
	assert_true(uplink->promiscuous);
	assert_int_equal(uplink->force_igmp_version, 2);
	assert_int_equal(uplink->mtu, 1500);

	assert_int_equal(config.socket_count, 3);
	const struct mrx_config_socket *a = &config.sockets[0];
	assert_string_equal(a->name, "feed-a");
	assert_int_equal(a->family, AF_INET);
	assert_int_equal(a->udp_port, 30001);
	assert_int_equal(a->sink, MRX_SINK_PCAPNG);
	assert_string_equal(a->file, "/tmp/a.pcapng");
	assert_int_equal(a->ring_size, MRX_CONFIG_DEFAULT_RING_SIZE);
	assert_int_equal(a->interface, 0);
	assert_int_equal(a->membership_count, 3);
	/* two lines for 232.1.1.1 merge into one set of three sources */
	const struct mrx_config_membership *ssm = &a->memberships[0];
	struct mrx_addr expected = addr("232.1.1.1");
	assert_memory_equal(&ssm->group, &expected, sizeof(expected));
	assert_int_equal(ssm->mode, MRX_MODE_INCLUDE);
	assert_int_equal(ssm->source_count, 3);
	expected = addr("10.0.0.3");
	assert_memory_equal(&ssm->sources[2], &expected, sizeof(expected));
	assert_int_equal(ssm->line, 19);
	assert_int_equal(a->memberships[1].mode, MRX_MODE_EXCLUDE);
	assert_int_equal(a->memberships[1].source_count, 1);
	assert_int_equal(a->memberships[2].mode, MRX_MODE_EXCLUDE);
	assert_int_equal(a->memberships[2].source_count, 0);

	const struct mrx_config_socket *v6 = &config.sockets[1];
	assert_int_equal(v6->family, AF_INET6);
	assert_int_equal(v6->udp_port, 0);
	assert_int_equal(v6->ring_size, 1024);
	assert_int_equal(v6->sink, MRX_SINK_FORWARD);
	assert_int_equal(v6->forward_port, 1);
	assert_int_equal(v6->membership_count, 1);
	expected = addr("2001:db8::1");
	assert_memory_equal(&v6->memberships[0].sources[0], &expected, sizeof(expected));

	const struct mrx_config_socket *idle = &config.sockets[2];
	assert_int_equal(idle->family, AF_INET6);
	assert_int_equal(idle->membership_count, 0);
	assert_int_equal(idle->sink, MRX_SINK_COUNT);

	assert_int_equal(mrx_config_find_socket(&config, "v6"), 1);
	assert_int_equal(mrx_config_find_socket(&config, "nope"), -1);
	assert_int_equal(mrx_config_find_interface(&config, "uplink"), 0);
	mrx_config_free(&config);
	assert_int_equal(config.socket_count, 0);
	assert_null(config.sockets);
	unlink(path);
}

/* One bad file: the loader must fail with code, leave nothing, and its
 * message must hold every expected fragment. */
struct bad_case {
	const char *text;
	int code;
	const char *fragments[4];
};

static const char interface_ok[] = "[interface eth0]\nport = 0\n";

static const struct bad_case bad_cases[] = {
	/* syntax, found by the line scanner */
	{"[interface eth0\nport = 0\n", -EINVAL, {":1:", "section header"}},
	{"port = 0\n", -EINVAL, {":1:", "before the first [section]"}},
	{"[interface eth0]\nport 0\n", -EINVAL, {":2:", "expected 'key = value'"}},
	{"[interface eth0]\nport =\n", -EINVAL, {":2:", "[interface eth0] port", "empty value"}},
	{"[interface eth0]\nport = 0\n[interface eth0]\nport = 1\n", -EINVAL,
	 {":3:", "given twice (first at line 1)"}},
	{"[]\n", -EINVAL, {":1:", "section name empty"}},
	/* sections and keys */
	{"[bogus]\nx = 1\n", -EINVAL, {":1:", "[bogus]", "unknown section"}},
	{"[mcastrx]\nmax_sources_per_filter = 3\n", -EINVAL, {"no [interface NAME] section"}},
	{"[interface eth0]\nport = 0\nspeed = 10\n", -EINVAL,
	 {":3:", "[interface eth0] speed", "unknown key"}},
	{"[interface eth0]\nport = 0\nport = 1\n", -EINVAL,
	 {":3:", "[interface eth0] port", "given twice (first at line 2)"}},
	{"[interface eth0]\nipv4 = 192.0.2.1\n", -EINVAL, {":1:", "[interface eth0] port", "missing"}},
	{"[interface bad name!]\nport = 0\n", -EINVAL, {":1:", "[interface bad name!]", "may hold only"}},
	{"[interface eth0]\nport = 70000\n", -EINVAL, {":2:", "port", "'70000' is not a whole number"}},
	{"[interface eth0]\nport = -1\n", -EINVAL, {":2:", "port", "'-1'"}},
	{"[interface eth0]\nport = 0\nipv4 = 300.1.1.1\n", -EINVAL,
	 {":3:", "[interface eth0] ipv4", "'300.1.1.1' is not an IPv4 address"}},
	{"[interface eth0]\nport = 0\nipv4 = 224.0.0.1\n", -EINVAL,
	 {":3:", "ipv4", "'224.0.0.1' is multicast"}},
	{"[interface eth0]\nport = 0\nipv6_link_local = 2001:db8::1\n", -EINVAL,
	 {":3:", "ipv6_link_local", "not an IPv6 link-local"}},
	{"[interface eth0]\nport = 0\nvlan = 4095\n", -EINVAL, {":3:", "vlan", "'4095'"}},
	{"[interface eth0]\nport = 0\npromiscuous = maybe\n", -EINVAL,
	 {":3:", "promiscuous", "'maybe' is not yes or no"}},
	{"[interface eth0]\nport = 0\nforce_mld_version = 3\n", -EINVAL,
	 {":3:", "force_mld_version", "'3'"}},
	{"[interface a]\nport = 0\n[interface b]\nport = 0\n", -EINVAL,
	 {":4:", "[interface b] port", "already interface 'a'"}},
	{"[interface a]\nport = 0\nipv4 = 192.0.2.1\n[interface b]\nport = 1\nipv4 = 192.0.2.1\n",
	 -EINVAL, {":6:", "[interface b] ipv4", "already used by interface 'a'"}},
	{"[mcastrx]\nsocket_ring_size = 1000\n[interface eth0]\nport = 0\n", -EINVAL,
	 {":2:", "[mcastrx] socket_ring_size", "not a power of two"}},
	{"[mcastrx]\nenforce_ssm_range = perhaps\n[interface eth0]\nport = 0\n", -EINVAL,
	 {":2:", "enforce_ssm_range", "'perhaps'"}},
	/* sockets */
	{"[interface a]\nport = 0\n[interface b]\nport = 1\n[socket s]\nfamily = ipv4\n", -EINVAL,
	 {"[socket s] interface", "missing"}},
	{"[interface eth0]\nport = 0\n[socket s]\ninterface = eth9\nfamily = ipv4\n", -EINVAL,
	 {":4:", "[socket s] interface", "no [interface eth9]"}},
	{"[interface eth0]\nport = 0\n[socket s]\nudp_port = 5000\n", -EINVAL,
	 {"[socket s] family", "missing"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipx\n", -EINVAL,
	 {":4:", "[socket s] family", "'ipx' is not ipv4 or ipv6"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipv4\nsink = tape\n", -EINVAL,
	 {":5:", "[socket s] sink", "'tape'"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipv4\nsink = pcapng\n", -EINVAL,
	 {"[socket s] file", "missing"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipv4\nfile = /tmp/x\n", -EINVAL,
	 {":5:", "[socket s] file", "only used with sink = pcapng"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipv4\nsink = forward\n", -EINVAL,
	 {"[socket s] forward_port", "missing"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipv4\nring_size = 100\n", -EINVAL,
	 {":5:", "[socket s] ring_size", "not a power of two"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 10.1.1.1\n", -EINVAL,
	 {":4:", "[socket s] membership", "'10.1.1.1' is not a multicast group"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = group-one\n", -EINVAL,
	 {":4:", "membership", "'group-one' is not an IPv4 or IPv6 address"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 maybe\n", -EINVAL,
	 {":4:", "membership", "'maybe' is not 'include' or 'exclude'"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 include\n", -EINVAL,
	 {":4:", "membership", "needs at least one source"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 232.1.1.1\n", -EINVAL,
	 {":4:", "membership", "SSM range"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = ff30::1 exclude 2001:db8::1\n", -EINVAL,
	 {":4:", "membership", "reserved scope 0"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 include 239.2.2.2\n", -EINVAL,
	 {":4:", "membership", "source '239.2.2.2' is multicast"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 include 0.0.0.0\n", -EINVAL,
	 {":4:", "source '0.0.0.0' is unspecified"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 exclude 127.0.0.1\n", -EINVAL,
	 {":4:", "source '127.0.0.1' is a loopback"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 include 2001:db8::1\n", -EINVAL,
	 {":4:", "source '2001:db8::1' is not of the group's family"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1\nmembership = ff15::1\n",
	 -EINVAL, {":5:", "[socket s] membership", "group 'ff15::1' is IPv6 but the socket is IPv4"}},
	{"[interface eth0]\nport = 0\n[socket s]\nfamily = ipv6\nmembership = 239.1.1.1\n", -EINVAL,
	 {":5:", "membership", "IPv4 but the socket is IPv6 (family)"}},
	{"[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1\n"
	 "membership = 239.1.1.1 include 10.0.0.1\n",
	 -EINVAL, {":5:", "membership", "already in exclude mode (line 4)"}},
	{"[mcastrx]\nmax_sources_per_filter = 2\n[interface eth0]\nport = 0\n[socket s]\n"
	 "membership = 239.1.1.1 include 10.0.0.1 10.0.0.2\nmembership = 239.1.1.1 include 10.0.0.3\n",
	 -EINVAL, {":7:", "membership", "max_sources_per_filter = 2"}},
	{"[mcastrx]\nmax_memberships_per_socket = 1\n[interface eth0]\nport = 0\n[socket s]\n"
	 "membership = 239.1.1.1\nmembership = 239.1.1.2\n",
	 -EINVAL, {":7:", "membership", "max_memberships_per_socket = 1"}},
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bad = &bad_cases[i];
		char path[64];
		char error[512];
		struct mrx_config config;
		write_file(path, sizeof(path), bad->text);
		int result = mrx_config_load(path, &config, error, sizeof(error));
		if (result != bad->code)
			fail_msg("case %zu: result %d, expected %d (error '%s')", i, result, bad->code,
				 error);
		/* the message names the file, and says what it should */
		if (strncmp(error, path, strlen(path)) != 0)
			fail_msg("case %zu: message '%s' does not start with the file name", i, error);
		for (int f = 0; f < 4 && bad->fragments[f] != NULL; f++)
			if (strstr(error, bad->fragments[f]) == NULL)
				fail_msg("case %zu: message '%s' lacks '%s'", i, error, bad->fragments[f]);
		assert_null(strchr(error, '\n'));
		assert_int_equal(config.socket_count, 0);
		assert_null(config.sockets);
		mrx_config_free(&config); /* harmless after a failure */
		unlink(path);
	}
	(void)interface_ok;
}

static void test_missing_file(void **state)
{
	(void)state;
	char error[256];
	struct mrx_config config;
	assert_int_equal(mrx_config_load("/nonexistent/mcastrx.ini", &config, error, sizeof(error)),
			 -ENOENT);
	assert_non_null(strstr(error, "/nonexistent/mcastrx.ini: cannot open"));
}

static void test_long_line(void **state)
{
	(void)state;
	char text[1024];
	int used = snprintf(text, sizeof(text), "[interface eth0]\nport = 0\n[socket s]\nmembership = 239.1.1.1 exclude");
	while (used < 700)
		used += snprintf(text + used, sizeof(text) - (size_t)used, " 10.0.0.1");
	snprintf(text + used, sizeof(text) - (size_t)used, "\n");
	char path[64];
	char error[512];
	struct mrx_config config;
	write_file(path, sizeof(path), text);
	assert_int_equal(mrx_config_load(path, &config, error, sizeof(error)), -EINVAL);
	assert_non_null(strstr(error, ":4:"));
	assert_non_null(strstr(error, "longer than"));
	unlink(path);
}

/* A tiny error buffer truncates the message but never overflows. */
static void test_small_error_buffer(void **state)
{
	(void)state;
	char path[64];
	char error[12];
	memset(error, 'x', sizeof(error));
	struct mrx_config config;
	write_file(path, sizeof(path), "[interface eth0]\nport = x\n");
	assert_int_equal(mrx_config_load(path, &config, error, sizeof(error)), -EINVAL);
	assert_int_equal(strlen(error), sizeof(error) - 1);
	unlink(path);
}

static void test_repository_configs(void **state)
{
	(void)state;
	char pattern[512];
	snprintf(pattern, sizeof(pattern), "%s/*.ini", configs_directory);
	glob_t found;
	assert_int_equal(glob(pattern, 0, NULL, &found), 0);
	/* demo, iptv-headend, market-data, minimal at least */
	assert_true(found.gl_pathc >= 4);
	bool seen_iptv = false, seen_market = false;
	for (size_t i = 0; i < found.gl_pathc; i++) {
		char error[512];
		struct mrx_config config;
		int result = mrx_config_load(found.gl_pathv[i], &config, error, sizeof(error));
		if (result != 0)
			fail_msg("%s: %s", found.gl_pathv[i], error);
		assert_true(config.interface_count >= 1);
		assert_true(config.socket_count >= 1);
		if (strstr(found.gl_pathv[i], "iptv-headend.ini")) {
			/* many source-specific channels */
			uint32_t channels = 0;
			for (uint32_t s = 0; s < config.socket_count; s++)
				for (uint32_t m = 0; m < config.sockets[s].membership_count; m++)
					channels += config.sockets[s].memberships[m].mode == MRX_MODE_INCLUDE;
			assert_true(channels >= 20);
			seen_iptv = true;
		}
		if (strstr(found.gl_pathv[i], "market-data.ini")) {
			/* A/B lines, any-source groups with blocked sources */
			uint32_t blocked = 0, any_source = 0;
			for (uint32_t s = 0; s < config.socket_count; s++)
				for (uint32_t m = 0; m < config.sockets[s].membership_count; m++) {
					const struct mrx_config_membership *ms =
						&config.sockets[s].memberships[m];
					if (ms->mode == MRX_MODE_EXCLUDE) {
						any_source++;
						blocked += ms->source_count;
					}
				}
			assert_true(any_source >= 2);
			assert_true(blocked >= 2);
			assert_true(mrx_config_find_socket(&config, "line-a") >= 0);
			assert_true(mrx_config_find_socket(&config, "line-b") >= 0);
			seen_market = true;
		}
		mrx_config_free(&config);
	}
	assert_true(seen_iptv);
	assert_true(seen_market);
	globfree(&found);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		configs_directory = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_repository_configs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
