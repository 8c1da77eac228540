/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The configuration file (see config.h). Two readers over the same file:
 * a line scanner of our own, which checks the syntax rte_cfgfile accepts
 * and remembers on which line each section and key sits (rte_cfgfile keeps
 * no line numbers), then rte_cfgfile itself for the values.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cfgfile.h>

/* rte_cfgfile reads lines into a buffer of this size (fgets) and refuses
 * longer ones; names and values are cut at CFG_NAME_LEN / CFG_VALUE_LEN. */
#define LINE_BUFFER (CFG_NAME_LEN + CFG_VALUE_LEN + 4)
#define MAX_LINE_LENGTH (LINE_BUFFER - 2)
#define MAX_SOURCES_PER_LINE 64

static const char *const sink_names[] = {
#define MRX_SINK_NAME(name, upper, text) #name,
	MRX_SINK_KINDS(MRX_SINK_NAME)
#undef MRX_SINK_NAME
};

const char *mrx_sink_kind_name(enum mrx_sink_kind kind)
{
	return (unsigned)kind < MRX_SINK_KIND_MAX ? sink_names[kind] : "?";
}

/* One "key = value" line as the scanner saw it. */
struct scanned_entry {
	char section[CFG_NAME_LEN];
	char key[CFG_NAME_LEN];
	unsigned line;
};

struct loader {
	const char *path;
	char *error;
	size_t error_size;
	struct scanned_entry *entries;
	size_t entry_count;
	struct rte_cfgfile *file;
	struct mrx_config *config;
};

/* The line of the occurrence-th (0-based) "key" in "[section]"; 0 if none. */
static unsigned line_of(const struct loader *loader, const char *section, const char *key,
			unsigned occurrence)
{
	for (size_t i = 0; i < loader->entry_count; i++) {
		const struct scanned_entry *entry = &loader->entries[i];
		if (strcmp(entry->section, section) != 0)
			continue;
		if (key != NULL && strcmp(entry->key, key) != 0)
			continue;
		if (occurrence-- == 0)
			return entry->line;
	}
	return 0;
}

static void format_error_at(struct loader *loader, unsigned line, const char *section,
			    const char *key, const char *format, va_list args)
{
	char message[256];
	vsnprintf(message, sizeof(message), format, args);
	char where[CFG_NAME_LEN * 2 + 16] = "";
	if (section != NULL && key != NULL)
		snprintf(where, sizeof(where), " [%s] %s:", section, key);
	else if (section != NULL)
		snprintf(where, sizeof(where), " [%s]:", section);
	if (line > 0)
		snprintf(loader->error, loader->error_size, "%s:%u:%s %s", loader->path, line, where,
			 message);
	else
		snprintf(loader->error, loader->error_size, "%s:%s %s", loader->path, where, message);
}

/* Error about the occurrence-th "key" of "[section]" (key NULL: the section). */
__attribute__((format(printf, 5, 6))) static int fail(struct loader *loader, const char *section,
						       const char *key, unsigned occurrence,
						       const char *format, ...)
{
	/* the scanner recorded each section header under the key "": a key
	 * that is missing is reported at its section's header */
	unsigned line = line_of(loader, section, key != NULL ? key : "", occurrence);
	if (line == 0)
		line = line_of(loader, section, "", 0);
	va_list args;
	va_start(args, format);
	format_error_at(loader, line, section, key, format, args);
	va_end(args);
	return -EINVAL;
}

__attribute__((format(printf, 3, 4))) static int fail_line(struct loader *loader, unsigned line,
							    const char *format, ...)
{
	va_list args;
	va_start(args, format);
	format_error_at(loader, line, NULL, NULL, format, args);
	va_end(args);
	return -EINVAL;
}

static char *strip(char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t length = strlen(text);
	while (length > 0 && isspace((unsigned char)text[length - 1]))
		text[--length] = '\0';
	return text;
}

static int remember(struct loader *loader, const char *section, const char *key, unsigned line)
{
	if ((loader->entry_count & 63) == 0) {
		struct scanned_entry *grown = realloc(
			loader->entries, (loader->entry_count + 64) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		loader->entries = grown;
	}
	struct scanned_entry *entry = &loader->entries[loader->entry_count++];
	snprintf(entry->section, sizeof(entry->section), "%s", section);
	snprintf(entry->key, sizeof(entry->key), "%s", key);
	entry->line = line;
	return 0;
}

/* Pass 1: the syntax, with line numbers. Sections are recorded with key "". */
static int scan_lines(struct loader *loader)
{
	FILE *stream = fopen(loader->path, "r");
	if (stream == NULL) {
		int error = errno;
		snprintf(loader->error, loader->error_size, "%s: cannot open: %s", loader->path,
			 strerror(error));
		return -error;
	}
	char *buffer = NULL;
	size_t capacity = 0;
	ssize_t length;
	unsigned line = 0;
	char section[CFG_NAME_LEN] = "";
	int result = 0;
	while ((length = getline(&buffer, &capacity, stream)) >= 0) {
		line++;
		if (length > MAX_LINE_LENGTH + 1 ||
		    (length == MAX_LINE_LENGTH + 1 && buffer[length - 1] != '\n')) {
			result = fail_line(loader, line, "line longer than %d characters",
					   MAX_LINE_LENGTH);
			break;
		}
		if (strlen(buffer) != (size_t)length) {
			result = fail_line(loader, line, "NUL byte in the line");
			break;
		}
		char *comment = strchr(buffer, CFG_DEFAULT_COMMENT_CHARACTER);
		if (comment != NULL)
			*comment = '\0';
		char *text = strip(buffer);
		if (*text == '\0')
			continue;
		if (*text == '[') {
			char *end = strchr(text, ']');
			if (end == NULL || end[1] != '\0') {
				result = fail_line(loader, line,
						   "section header must be '[name]' alone on its line");
				break;
			}
			*end = '\0';
			char *name = strip(text + 1);
			if (*name == '\0' || strlen(name) >= CFG_NAME_LEN) {
				result = fail_line(loader, line,
						   "section name empty or longer than %d characters",
						   CFG_NAME_LEN - 1);
				break;
			}
			unsigned first = line_of(loader, name, "", 0);
			if (first != 0) {
				result = fail_line(loader, line,
						   "section [%s] given twice (first at line %u)", name,
						   first);
				break;
			}
			snprintf(section, sizeof(section), "%s", name);
			if ((result = remember(loader, section, "", line)) < 0)
				break;
			continue;
		}
		char *equals = strchr(text, '=');
		if (equals == NULL) {
			result = fail_line(loader, line,
					   "expected 'key = value', '[section]' or a ';' comment");
			break;
		}
		if (section[0] == '\0') {
			result = fail_line(loader, line, "entry before the first [section]");
			break;
		}
		*equals = '\0';
		char *key = strip(text);
		char *value = strip(equals + 1);
		if (*key == '\0' || strlen(key) >= CFG_NAME_LEN) {
			result = fail_line(loader, line, "[%s] key empty or longer than %d characters",
					   section, CFG_NAME_LEN - 1);
			break;
		}
		if (*value == '\0') {
			result = fail_line(loader, line, "[%s] %s: empty value", section, key);
			break;
		}
		if (strlen(value) >= CFG_VALUE_LEN) {
			result = fail_line(loader, line, "[%s] %s: value longer than %d characters",
					   section, key, CFG_VALUE_LEN - 1);
			break;
		}
		if ((result = remember(loader, section, key, line)) < 0)
			break;
	}
	if (result == -ENOMEM)
		snprintf(loader->error, loader->error_size, "%s: out of memory", loader->path);
	free(buffer);
	fclose(stream);
	return result;
}

/* ---- value parsers: 0 or -EINVAL, never a message (the caller names the input) ---- */

static int parse_unsigned(const char *text, unsigned long min, unsigned long max,
			  unsigned long *out)
{
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max)
		return -EINVAL;
	*out = value;
	return 0;
}

static int parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Text -> mrx_addr (IPv4 mapped), family out. */
static int parse_address(const char *text, struct mrx_addr *out, int *family)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out->bytes, 0, 10);
		out->bytes[10] = 0xff;
		out->bytes[11] = 0xff;
		memcpy(&out->bytes[12], &v4, 4);
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		memcpy(out->bytes, &v6, 16);
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static bool is_multicast(const struct mrx_addr *address, int family)
{
	if (family == AF_INET)
		return (address->bytes[12] & 0xf0) == 0xe0;
	return address->bytes[0] == 0xff;
}

/* RFC 4607 1: 232.0.0.0/8 and ff3x::/32 are the SSM ranges. */
static bool is_ssm(const struct mrx_addr *group, int family)
{
	if (family == AF_INET)
		return group->bytes[12] == 232;
	return group->bytes[0] == 0xff && (group->bytes[1] & 0xf0) == 0x30 && group->bytes[2] == 0 &&
	       group->bytes[3] == 0;
}

/* Why a source address is not a usable unicast source, or NULL. */
static const char *source_problem(const struct mrx_addr *source, int family)
{
	static const uint8_t zero[16];
	if (is_multicast(source, family))
		return "is multicast, not a source";
	if (family == AF_INET) {
		const uint8_t *b = &source->bytes[12];
		if (memcmp(b, zero, 4) == 0)
			return "is unspecified";
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return "is the limited broadcast address";
		if (b[0] == 127)
			return "is a loopback address";
		return NULL;
	}
	if (memcmp(source->bytes, zero, 16) == 0)
		return "is unspecified";
	if (memcmp(source->bytes, zero, 15) == 0 && source->bytes[15] == 1)
		return "is the loopback address";
	if (memcmp(source->bytes, zero, 10) == 0 && source->bytes[10] == 0xff &&
	    source->bytes[11] == 0xff)
		return "is an IPv4-mapped address";
	return NULL;
}

/* ---- sections ---- */

enum section_kind { SECTION_GLOBAL, SECTION_INTERFACE, SECTION_SOCKET };

/* Split "interface eth0" into kind and name. */
static int section_kind(const char *section, enum section_kind *kind, const char **name)
{
	static const struct {
		const char *word;
		enum section_kind kind;
	} kinds[] = {{"interface", SECTION_INTERFACE}, {"socket", SECTION_SOCKET}};
	if (strcmp(section, "mcastrx") == 0) {
		*kind = SECTION_GLOBAL;
		*name = NULL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t length = strlen(kinds[i].word);
		if (strncmp(section, kinds[i].word, length) == 0 &&
		    isspace((unsigned char)section[length])) {
			*kind = kinds[i].kind;
			*name = section + length;
			while (isspace((unsigned char)**name))
				(*name)++;
			return 0;
		}
	}
	return -EINVAL;
}

static int check_name(struct loader *loader, const char *section, const char *name)
{
	size_t length = strlen(name);
	if (length == 0 || length >= MRX_CONFIG_NAME_MAX)
		return fail(loader, section, NULL, 0, "name must be 1 to %d characters",
			    MRX_CONFIG_NAME_MAX - 1);
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return fail(loader, section, NULL, 0,
				    "name '%s' may hold only letters, digits, '-', '_' and '.'", name);
	}
	return 0;
}

/* The entries of one section, each checked to be known and given once
 * (except repeatable keys). */
struct section_entries {
	const char *section;
	int count;
	struct rte_cfgfile_entry *entries;
};

static int read_section(struct loader *loader, int index, const char *section,
			const char *const *known, const char *repeatable, struct section_entries *out)
{
	out->section = section;
	out->count = rte_cfgfile_section_num_entries_by_index(loader->file, (char *)section, index);
	out->entries = NULL;
	if (out->count < 0)
		return fail(loader, section, NULL, 0, "cannot read the section");
	if (out->count == 0)
		return 0;
	out->entries = calloc((size_t)out->count, sizeof(*out->entries));
	if (out->entries == NULL)
		return -ENOMEM;
	char name_buffer[CFG_NAME_LEN];
	rte_cfgfile_section_entries_by_index(loader->file, index, name_buffer, out->entries,
					     out->count);
	/* occurrences per key, to name the right line */
	for (int i = 0; i < out->count; i++) {
		const char *key = out->entries[i].name;
		bool is_known = false;
		for (size_t k = 0; known[k] != NULL; k++)
			is_known |= strcmp(known[k], key) == 0;
		if (!is_known) {
			char list[256] = "";
			for (size_t k = 0; known[k] != NULL; k++) {
				strncat(list, k ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, known[k], sizeof(list) - strlen(list) - 1);
			}
			return fail(loader, section, key, 0, "unknown key (known: %s)", list);
		}
		if (repeatable != NULL && strcmp(key, repeatable) == 0)
			continue;
		for (int j = 0; j < i; j++) {
			if (strcmp(out->entries[j].name, key) == 0)
				return fail(loader, section, key, 1, "given twice (first at line %u)",
					    line_of(loader, section, key, 0));
		}
	}
	return 0;
}

static const char *get_value(const struct section_entries *entries, const char *key)
{
	for (int i = 0; i < entries->count; i++)
		if (strcmp(entries->entries[i].name, key) == 0)
			return entries->entries[i].value;
	return NULL;
}

/* Optional unsigned key: 1 when present and valid, 0 absent, <0 error. */
static int get_unsigned(struct loader *loader, const struct section_entries *entries,
			const char *key, unsigned long min, unsigned long max, unsigned long *out)
{
	const char *value = get_value(entries, key);
	if (value == NULL)
		return 0;
	if (parse_unsigned(value, min, max, out) < 0)
		return fail(loader, entries->section, key, 0,
			    "'%s' is not a whole number from %lu to %lu", value, min, max);
	return 1;
}

static int get_bool(struct loader *loader, const struct section_entries *entries,
		    const char *key, bool *out)
{
	const char *value = get_value(entries, key);
	if (value == NULL)
		return 0;
	if (parse_bool(value, out) < 0)
		return fail(loader, entries->section, key, 0, "'%s' is not yes or no", value);
	return 1;
}

static int load_global(struct loader *loader, int index, const char *section)
{
	static const char *const known[] = {"control_socket", "enforce_ssm_range",
					    "max_memberships_per_socket",
					    "max_sources_per_filter", "socket_ring_size", NULL};
	struct mrx_config *config = loader->config;
	struct section_entries entries;
	int result = read_section(loader, index, section, known, NULL, &entries);
	if (result < 0)
		goto out;
	unsigned long number;
	const char *value = get_value(&entries, "control_socket");
	if (value != NULL) {
		if (strcmp(value, "none") == 0) {
			config->control_socket[0] = '\0';
		} else if (strlen(value) >= sizeof(config->control_socket)) {
			result = fail(loader, section, "control_socket",
				      0, "path longer than %zu characters",
				      sizeof(config->control_socket) - 1);
			goto out;
		} else {
			snprintf(config->control_socket, sizeof(config->control_socket), "%s", value);
		}
	}
	if ((result = get_bool(loader, &entries, "enforce_ssm_range", &config->enforce_ssm_range)) < 0)
		goto out;
	if ((result = get_unsigned(loader, &entries, "max_memberships_per_socket", 1, 1u << 20,
				   &number)) < 0)
		goto out;
	if (result > 0)
		config->max_memberships_per_socket = (uint32_t)number;
	if ((result = get_unsigned(loader, &entries, "max_sources_per_filter", 1, 65535,
				   &number)) < 0)
		goto out;
	if (result > 0)
		config->max_sources_per_filter = (uint32_t)number;
	if ((result = get_unsigned(loader, &entries, "socket_ring_size", 64, 1u << 20, &number)) < 0)
		goto out;
	if (result > 0) {
		if (number & (number - 1)) {
			result = fail(loader, section, "socket_ring_size", 0,
				      "%lu is not a power of two", number);
			goto out;
		}
		config->socket_ring_size = (uint32_t)number;
	}
	result = 0;
out:
	free(entries.entries);
	return result;
}

static int load_interface(struct loader *loader, int index, const char *section, const char *name)
{
	static const char *const known[] = {"port", "ipv4", "ipv6_link_local", "vlan", "rx_queues",
					    "promiscuous", "mtu", "force_igmp_version",
					    "force_mld_version", NULL};
	struct mrx_config *config = loader->config;
	struct section_entries entries = {0};
	int result = check_name(loader, section, name);
	if (result < 0)
		return result;
	if (config->interface_count == MRX_CONFIG_MAX_INTERFACES)
		return fail(loader, section, NULL, 0, "more than %d interfaces",
			    MRX_CONFIG_MAX_INTERFACES);
	if ((result = read_section(loader, index, section, known, NULL, &entries)) < 0)
		goto out;
	struct mrx_config_interface *interface = &config->interfaces[config->interface_count];
	memset(interface, 0, sizeof(*interface));
	snprintf(interface->name, sizeof(interface->name), "%s", name);
	interface->rx_queues = 1;
	interface->mtu = 1500;
	unsigned long number;
	if ((result = get_unsigned(loader, &entries, "port", 0, 65534, &number)) < 0)
		goto out;
	if (result == 0) {
		result = fail(loader, section, "port", 0, "missing (the DPDK port id, e.g. port = 0)");
		goto out;
	}
	interface->port_id = (uint16_t)number;
	interface->port_line = line_of(loader, section, "port", 0);
	const char *value = get_value(&entries, "ipv4");
	if (value != NULL) {
		struct mrx_addr address;
		int family;
		const char *problem = NULL;
		if (parse_address(value, &address, &family) < 0 || family != AF_INET)
			problem = "is not an IPv4 address";
		else
			problem = source_problem(&address, AF_INET);
		if (problem != NULL) {
			result = fail(loader, section, "ipv4", 0, "'%s' %s", value, problem);
			goto out;
		}
		interface->has_ipv4 = true;
		memcpy(&interface->ipv4, &address.bytes[12], 4);
	}
	value = get_value(&entries, "ipv6_link_local");
	if (value != NULL) {
		if (inet_pton(AF_INET6, value, &interface->ipv6_link_local) != 1 ||
		    interface->ipv6_link_local.s6_addr[0] != 0xfe ||
		    (interface->ipv6_link_local.s6_addr[1] & 0xc0) != 0x80) {
			result = fail(loader, section, "ipv6_link_local", 0,
				      "'%s' is not an IPv6 link-local address (fe80::/10)", value);
			goto out;
		}
		interface->has_ipv6_link_local = true;
	}
	if ((result = get_unsigned(loader, &entries, "vlan", 0, 4094, &number)) < 0)
		goto out;
	if (result > 0)
		interface->vlan_id = (uint16_t)number;
	if ((result = get_unsigned(loader, &entries, "rx_queues", 1, 64, &number)) < 0)
		goto out;
	if (result > 0)
		interface->rx_queues = (uint16_t)number;
	if ((result = get_unsigned(loader, &entries, "mtu", 1280, 9216, &number)) < 0)
		goto out;
	if (result > 0)
		interface->mtu = (uint32_t)number;
	if ((result = get_unsigned(loader, &entries, "force_igmp_version", 0, 3, &number)) < 0)
		goto out;
	if (result > 0)
		interface->force_igmp_version = (uint8_t)number;
	if ((result = get_unsigned(loader, &entries, "force_mld_version", 0, 2, &number)) < 0)
		goto out;
	if (result > 0)
		interface->force_mld_version = (uint8_t)number;
	if ((result = get_bool(loader, &entries, "promiscuous", &interface->promiscuous)) < 0)
		goto out;
	for (uint32_t i = 0; i < config->interface_count; i++) {
		const struct mrx_config_interface *other = &config->interfaces[i];
		if (other->port_id == interface->port_id) {
			/* the library makes one engine interface per port */
			result = fail(loader, section, "port", 0, "port %u is already interface '%s'",
				      interface->port_id, other->name);
			goto out;
		}
		if (interface->has_ipv4 && other->has_ipv4 &&
		    interface->ipv4.s_addr == other->ipv4.s_addr) {
			result = fail(loader, section, "ipv4", 0,
				      "address already used by interface '%s'", other->name);
			goto out;
		}
	}
	config->interface_count++;
	result = 0;
out:
	free(entries.entries);
	return result;
}

/* Add one "membership = GROUP [include|exclude] [S...]" line to the socket. */
static int add_membership(struct loader *loader, const char *section, unsigned occurrence,
			  const char *text, struct mrx_config_socket *socket, bool family_given)
{
	const struct mrx_config *config = loader->config;
	char copy[CFG_VALUE_LEN];
	snprintf(copy, sizeof(copy), "%s", text);
	char *save = NULL;
	char *token = strtok_r(copy, " \t,", &save);
	if (token == NULL)
		return fail(loader, section, "membership", occurrence,
			    "expected 'GROUP [include|exclude] [SOURCE...]'");
	struct mrx_addr group;
	int family;
	char group_text[INET6_ADDRSTRLEN + 8];
	snprintf(group_text, sizeof(group_text), "%s", token);
	if (parse_address(token, &group, &family) < 0)
		return fail(loader, section, "membership", occurrence,
			    "'%s' is not an IPv4 or IPv6 address", token);
	if (!is_multicast(&group, family))
		return fail(loader, section, "membership", occurrence,
			    "'%s' is not a multicast group", token);
	if (family == AF_INET6 && (group.bytes[1] & 0x0f) == 0)
		return fail(loader, section, "membership", occurrence,
			    "'%s' has the reserved scope 0", token);
	if (socket->family == 0) {
		socket->family = family;
	} else if (socket->family != family) {
		return fail(loader, section, "membership", occurrence,
			    "group '%s' is %s but the socket is %s%s", token,
			    family == AF_INET ? "IPv4" : "IPv6",
			    socket->family == AF_INET ? "IPv4" : "IPv6",
			    family_given ? " (family)" : " (its first membership)");
	}
	enum mrx_filter_mode mode = MRX_MODE_EXCLUDE;
	token = strtok_r(NULL, " \t,", &save);
	if (token != NULL) {
		if (strcasecmp(token, "include") == 0)
			mode = MRX_MODE_INCLUDE;
		else if (strcasecmp(token, "exclude") == 0)
			mode = MRX_MODE_EXCLUDE;
		else
			return fail(loader, section, "membership", occurrence,
				    "'%s' is not 'include' or 'exclude'", token);
	}
	if (mode == MRX_MODE_EXCLUDE && config->enforce_ssm_range && is_ssm(&group, family))
		return fail(loader, section, "membership", occurrence,
			    "'%s' is in the SSM range: only 'include SOURCE...' is allowed "
			    "(RFC 4607; enforce_ssm_range = no lifts this)",
			    text);
	struct mrx_addr sources[MAX_SOURCES_PER_LINE];
	uint32_t source_count = 0;
	while ((token = strtok_r(NULL, " \t,", &save)) != NULL) {
		int source_family;
		if (parse_address(token, &sources[source_count], &source_family) < 0)
			return fail(loader, section, "membership", occurrence,
				    "source '%s' is not an IPv4 or IPv6 address", token);
		if (source_family != family)
			return fail(loader, section, "membership", occurrence,
				    "source '%s' is not of the group's family", token);
		const char *problem = source_problem(&sources[source_count], family);
		if (problem != NULL)
			return fail(loader, section, "membership", occurrence, "source '%s' %s",
				    token, problem);
		if (++source_count == MAX_SOURCES_PER_LINE)
			return fail(loader, section, "membership", occurrence,
				    "more than %d sources on one line (repeat the line instead)",
				    MAX_SOURCES_PER_LINE - 1);
	}
	if (mode == MRX_MODE_INCLUDE && source_count == 0)
		return fail(loader, section, "membership", occurrence,
			    "'include' needs at least one source (INCLUDE {} is no membership)");

	struct mrx_config_membership *membership = NULL;
	for (uint32_t i = 0; i < socket->membership_count; i++)
		if (memcmp(&socket->memberships[i].group, &group, sizeof(group)) == 0)
			membership = &socket->memberships[i];
	if (membership != NULL && membership->mode != mode)
		return fail(loader, section, "membership", occurrence,
			    "group %s is already in %s mode (line %u)", group_text,
			    membership->mode == MRX_MODE_INCLUDE ? "include" : "exclude",
			    membership->line);
	if (membership == NULL) {
		if (socket->membership_count >= config->max_memberships_per_socket)
			return fail(loader, section, "membership", occurrence,
				    "more than max_memberships_per_socket = %u memberships",
				    config->max_memberships_per_socket);
		struct mrx_config_membership *grown =
			realloc(socket->memberships,
				(socket->membership_count + 1) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		socket->memberships = grown;
		membership = &grown[socket->membership_count++];
		memset(membership, 0, sizeof(*membership));
		membership->group = group;
		membership->mode = mode;
		membership->line = line_of(loader, section, "membership", occurrence);
	}
	for (uint32_t i = 0; i < source_count; i++) {
		bool present = false;
		for (uint32_t j = 0; j < membership->source_count && !present; j++)
			present = memcmp(&membership->sources[j], &sources[i], sizeof(sources[i])) == 0;
		if (present)
			continue; /* a filter is a set */
		if (membership->source_count >= config->max_sources_per_filter)
			return fail(loader, section, "membership", occurrence,
				    "more than max_sources_per_filter = %u sources for the group",
				    config->max_sources_per_filter);
		struct mrx_addr *grown = realloc(membership->sources,
						 (membership->source_count + 1) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		membership->sources = grown;
		membership->sources[membership->source_count++] = sources[i];
	}
	return 0;
}

static void free_socket(struct mrx_config_socket *socket)
{
	for (uint32_t i = 0; i < socket->membership_count; i++)
		free(socket->memberships[i].sources);
	free(socket->memberships);
	socket->memberships = NULL;
	socket->membership_count = 0;
}

static int load_socket(struct loader *loader, int index, const char *section, const char *name)
{
	static const char *const known[] = {"interface", "family", "udp_port", "ring_size", "sink",
					    "file", "forward_port", "membership", NULL};
	struct mrx_config *config = loader->config;
	struct section_entries entries = {0};
	int result = check_name(loader, section, name);
	if (result < 0)
		return result;
	if (config->socket_count == MRX_CONFIG_MAX_SOCKETS)
		return fail(loader, section, NULL, 0, "more than %d sockets", MRX_CONFIG_MAX_SOCKETS);
	if ((result = read_section(loader, index, section, known, "membership", &entries)) < 0)
		goto out;
	struct mrx_config_socket *grown =
		realloc(config->sockets, (config->socket_count + 1) * sizeof(*grown));
	if (grown == NULL) {
		result = -ENOMEM;
		goto out;
	}
	config->sockets = grown;
	struct mrx_config_socket *socket = &grown[config->socket_count++];
	memset(socket, 0, sizeof(*socket));
	snprintf(socket->name, sizeof(socket->name), "%s", name);
	socket->ring_size = config->socket_ring_size;
	socket->sink = MRX_SINK_COUNT;

	const char *value = get_value(&entries, "interface");
	if (value != NULL) {
		int found = mrx_config_find_interface(config, value);
		if (found < 0) {
			result = fail(loader, section, "interface", 0,
				      "no [interface %s] in the file", value);
			goto out;
		}
		socket->interface = (uint32_t)found;
	} else if (config->interface_count != 1) {
		result = fail(loader, section, "interface", 0,
			      "missing (needed when there is more than one interface)");
		goto out;
	}
	bool family_given = false;
	value = get_value(&entries, "family");
	if (value != NULL) {
		if (strcasecmp(value, "ipv4") == 0 || strcasecmp(value, "inet") == 0)
			socket->family = AF_INET;
		else if (strcasecmp(value, "ipv6") == 0 || strcasecmp(value, "inet6") == 0)
			socket->family = AF_INET6;
		else {
			result = fail(loader, section, "family", 0, "'%s' is not ipv4 or ipv6", value);
			goto out;
		}
		family_given = true;
	}
	unsigned long number;
	if ((result = get_unsigned(loader, &entries, "udp_port", 0, 65535, &number)) < 0)
		goto out;
	if (result > 0)
		socket->udp_port = (uint16_t)number;
	if ((result = get_unsigned(loader, &entries, "ring_size", 64, 1u << 20, &number)) < 0)
		goto out;
	if (result > 0) {
		if (number & (number - 1)) {
			result = fail(loader, section, "ring_size", 0, "%lu is not a power of two",
				      number);
			goto out;
		}
		socket->ring_size = (uint32_t)number;
	}
	value = get_value(&entries, "sink");
	if (value != NULL) {
		socket->sink = MRX_SINK_KIND_MAX;
		for (int kind = 0; kind < MRX_SINK_KIND_MAX; kind++)
			if (strcmp(value, sink_names[kind]) == 0)
				socket->sink = (enum mrx_sink_kind)kind;
		if (socket->sink == MRX_SINK_KIND_MAX) {
			result = fail(loader, section, "sink", 0,
				      "'%s' is not count, pcapng or forward", value);
			goto out;
		}
	}
	value = get_value(&entries, "file");
	if (socket->sink == MRX_SINK_PCAPNG && value == NULL) {
		result = fail(loader, section, "file", 0, "missing (sink = pcapng writes to it)");
		goto out;
	}
	if (socket->sink != MRX_SINK_PCAPNG && value != NULL) {
		result = fail(loader, section, "file", 0, "only used with sink = pcapng");
		goto out;
	}
	if (value != NULL) {
		if (strlen(value) >= sizeof(socket->file)) {
			result = fail(loader, section, "file", 0, "path too long");
			goto out;
		}
		snprintf(socket->file, sizeof(socket->file), "%s", value);
	}
	if ((result = get_unsigned(loader, &entries, "forward_port", 0, 65534, &number)) < 0)
		goto out;
	if (socket->sink == MRX_SINK_FORWARD && result == 0) {
		result = fail(loader, section, "forward_port", 0,
			      "missing (sink = forward sends out this DPDK port)");
		goto out;
	}
	if (socket->sink != MRX_SINK_FORWARD && result > 0) {
		result = fail(loader, section, "forward_port", 0, "only used with sink = forward");
		goto out;
	}
	if (result > 0)
		socket->forward_port = (uint16_t)number;

	unsigned occurrence = 0;
	for (int i = 0; i < entries.count; i++) {
		if (strcmp(entries.entries[i].name, "membership") != 0)
			continue;
		result = add_membership(loader, section, occurrence++, entries.entries[i].value,
					socket, family_given);
		if (result < 0)
			goto out;
	}
	if (socket->family == 0) {
		result = fail(loader, section, "family", 0,
			      "missing (needed when the socket has no membership)");
		goto out;
	}
	result = 0;
out:
	if (result == -ENOMEM)
		snprintf(loader->error, loader->error_size, "%s: [%s] out of memory", loader->path,
			 section);
	free(entries.entries);
	return result;
}

void mrx_config_free(struct mrx_config *config)
{
	for (uint32_t i = 0; i < config->socket_count; i++)
		free_socket(&config->sockets[i]);
	free(config->sockets);
	config->sockets = NULL;
	config->socket_count = 0;
	config->interface_count = 0;
}

int mrx_config_find_interface(const struct mrx_config *config, const char *name)
{
	for (uint32_t i = 0; i < config->interface_count; i++)
		if (strcmp(config->interfaces[i].name, name) == 0)
			return (int)i;
	return -1;
}

int mrx_config_find_socket(const struct mrx_config *config, const char *name)
{
	for (uint32_t i = 0; i < config->socket_count; i++)
		if (strcmp(config->sockets[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void config_defaults(struct mrx_config *config, const char *path)
{
	memset(config, 0, sizeof(*config));
	snprintf(config->path, sizeof(config->path), "%s", path);
	snprintf(config->control_socket, sizeof(config->control_socket), "%s",
		 MRX_CONFIG_DEFAULT_CONTROL_SOCKET);
	config->enforce_ssm_range = true;
	config->max_memberships_per_socket = MRX_DEFAULT_MAX_MEMBERSHIPS_PER_SOCKET;
	config->max_sources_per_filter = MRX_DEFAULT_MAX_SOURCES_PER_FILTER;
	config->socket_ring_size = MRX_CONFIG_DEFAULT_RING_SIZE;
}

int mrx_config_load(const char *path, struct mrx_config *config, char *error, size_t error_size)
{
	struct loader loader = {
		.path = path, .error = error, .error_size = error_size, .config = config};
	char **names = NULL;
	int section_count = 0;
	int result;

	config_defaults(config, path);
	if (error_size > 0)
		error[0] = '\0';
	if (strlen(path) >= sizeof(config->path)) {
		snprintf(error, error_size, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	if ((result = scan_lines(&loader)) < 0)
		goto fail;
	loader.file = rte_cfgfile_load(path, 0);
	if (loader.file == NULL) {
		result = -EINVAL;
		snprintf(error, error_size, "%s: rte_cfgfile cannot read the file", path);
		goto fail;
	}
	section_count = rte_cfgfile_num_sections(loader.file, "", 0);
	if (section_count <= 0) {
		result = -EINVAL;
		snprintf(error, error_size, "%s: no [interface NAME] section", path);
		goto fail;
	}
	names = calloc((size_t)section_count, sizeof(*names));
	if (names == NULL) {
		result = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < section_count; i++) {
		names[i] = calloc(1, CFG_NAME_LEN);
		if (names[i] == NULL) {
			result = -ENOMEM;
			goto fail;
		}
	}
	rte_cfgfile_sections(loader.file, names, section_count);

	/* Global settings first, then interfaces, then sockets: a socket
	 * names an interface and obeys the limits, wherever they are written. */
	for (int pass = SECTION_GLOBAL; pass <= SECTION_SOCKET; pass++) {
		for (int i = 0; i < section_count; i++) {
			enum section_kind kind;
			const char *name;
			if (section_kind(names[i], &kind, &name) < 0) {
				result = fail(&loader, names[i], NULL, 0,
					      "unknown section (expected [mcastrx], "
					      "[interface NAME] or [socket NAME])");
				goto fail;
			}
			if ((int)kind != pass)
				continue;
			if (kind == SECTION_GLOBAL)
				result = load_global(&loader, i, names[i]);
			else if (kind == SECTION_INTERFACE)
				result = load_interface(&loader, i, names[i], name);
			else
				result = load_socket(&loader, i, names[i], name);
			if (result < 0)
				goto fail;
		}
		if (pass == SECTION_INTERFACE && config->interface_count == 0) {
			result = -EINVAL;
			snprintf(error, error_size, "%s: no [interface NAME] section", path);
			goto fail;
		}
	}
	/* socket names are section names, so distinct already */
	result = 0;
	goto out;
fail:
	if (result == -ENOMEM && (error_size == 0 || error[0] == '\0'))
		snprintf(error, error_size, "%s: out of memory", path);
	mrx_config_free(config);
out:
	if (names != NULL)
		for (int i = 0; i < section_count; i++)
			free(names[i]);
	free(names);
	if (loader.file != NULL)
		rte_cfgfile_close(loader.file);
	free(loader.entries);
	return result;
}
