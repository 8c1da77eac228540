/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "addr.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void mrx_addr_from_in(struct mrx_addr *out, struct in_addr in)
{
	memcpy(out->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(out->bytes + 12, &in.s_addr, 4);
}

void mrx_addr_from_in6(struct mrx_addr *out, const struct in6_addr *in6)
{
	memcpy(out->bytes, in6->s6_addr, 16);
}

bool mrx_addr_is_v4(const struct mrx_addr *address)
{
	return memcmp(address->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

struct in_addr mrx_addr_to_in(const struct mrx_addr *address)
{
	struct in_addr in;
	memcpy(&in.s_addr, address->bytes + 12, 4);
	return in;
}

int mrx_addr_family(const struct mrx_addr *address)
{
	return mrx_addr_is_v4(address) ? AF_INET : AF_INET6;
}

const char *mrx_addr_format(const struct mrx_addr *address, char *buffer, size_t size)
{
	const char *text;
	if (mrx_addr_is_v4(address))
		text = inet_ntop(AF_INET, address->bytes + 12, buffer, (socklen_t)size);
	else
		text = inet_ntop(AF_INET6, address->bytes, buffer, (socklen_t)size);
	if (text == NULL && size > 0)
		buffer[0] = '\0';
	return buffer;
}

int mrx_addr_parse(struct mrx_addr *out, const char *text)
{
	struct in_addr in;
	struct in6_addr in6;
	if (inet_pton(AF_INET, text, &in) == 1) {
		mrx_addr_from_in(out, in);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &in6) == 1) {
		mrx_addr_from_in6(out, &in6);
		return 0;
	}
	return -EINVAL;
}

static uint32_t v4_host_order(const struct mrx_addr *address)
{
	return ntohl(mrx_addr_to_in(address).s_addr);
}

bool mrx_addr_is_valid_group(const struct mrx_addr *address, int family)
{
	if (mrx_addr_family(address) != family)
		return false;
	if (family == AF_INET)
		return (v4_host_order(address) >> 28) == 0xe;
	/* ff00::/8, and not the reserved scope 0 (RFC 4291 2.7). */
	return address->bytes[0] == 0xff && (address->bytes[1] & 0x0f) != 0;
}

bool mrx_addr_is_valid_source(const struct mrx_addr *address, int family)
{
	if (mrx_addr_family(address) != family)
		return false;
	if (family == AF_INET) {
		uint32_t a = v4_host_order(address);
		if (a == 0 || a == 0xffffffffu)
			return false;
		if ((a >> 24) == 127) /* loopback */
			return false;
		if ((a >> 28) == 0xe) /* multicast */
			return false;
		return true;
	}
	static const uint8_t loopback[16] = {[15] = 1};
	if (mrx_addr_is_unspecified(address))
		return false;
	if (memcmp(address->bytes, loopback, 16) == 0)
		return false;
	if (address->bytes[0] == 0xff)
		return false;
	return true;
}

bool mrx_addr_is_ssm(const struct mrx_addr *group)
{
	if (mrx_addr_is_v4(group))
		return group->bytes[12] == 232;
	/* ff3x::/32: flags P and T set, prefix length 0, prefix 0 (RFC 4607 1). */
	return group->bytes[0] == 0xff && (group->bytes[1] & 0xf0) == 0x30 && group->bytes[2] == 0 &&
	       group->bytes[3] == 0;
}

bool mrx_addr_is_never_reported(const struct mrx_addr *group)
{
	if (mrx_addr_is_v4(group))
		return v4_host_order(group) == 0xe0000001u; /* 224.0.0.1, RFC 3376 5 */
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	if (memcmp(group->bytes, all_nodes, 16) == 0) /* RFC 3810 6 */
		return true;
	return (group->bytes[1] & 0x0f) == 1; /* interface-local scope */
}

void mrx_addr_unspecified(struct mrx_addr *out, int family)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET)
		memcpy(out->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix));
}

bool mrx_addr_is_unspecified(const struct mrx_addr *address)
{
	static const uint8_t zero[16];
	if (mrx_addr_is_v4(address))
		return memcmp(address->bytes + 12, zero, 4) == 0;
	return memcmp(address->bytes, zero, 16) == 0;
}

int mrx_addr_from_sockaddr(struct mrx_addr *out, const struct sockaddr_storage *storage,
			   int expected_family)
{
	if (storage->ss_family != expected_family)
		return -EINVAL;
	if (expected_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)storage;
		mrx_addr_from_in(out, sin->sin_addr);
		return 0;
	}
	if (expected_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)storage;
		mrx_addr_from_in6(out, &sin6->sin6_addr);
		/* An IPv4-mapped address in an IPv6 call is of the other family. */
		if (mrx_addr_is_v4(out))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

void mrx_addr_to_sockaddr(const struct mrx_addr *address, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (mrx_addr_is_v4(address)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		sin->sin_addr = mrx_addr_to_in(address);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		sin6->sin6_family = AF_INET6;
		memcpy(sin6->sin6_addr.s6_addr, address->bytes, 16);
	}
}
