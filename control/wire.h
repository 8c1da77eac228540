/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IGMP and MLD on the wire: frame encoding (reports, leaves, dones, and
 * queries for tests and tools), decoding of received frames, checksums.
 * Pure functions over byte buffers: no engine state, no allocation.
 *
 * Every frame is Ethernet II, with one 802.1Q tag when vlan_id != 0
 * (PCP 6, internetwork control, matching TOS 0xc0).
 *   IPv4: TOS 0xc0, TTL 1, DF, ID 0, Router Alert option (RFC 2113), so a
 *         24-byte header (RFC 3376 4).
 *   IPv6: Hop Limit 1, a Hop-by-Hop header holding Router Alert (value 0,
 *         MLD) and PadN (8 bytes), source the link-local address or ::
 *         before one exists (RFC 3810 5, 5.2.13).
 */
#ifndef MRX_WIRE_H
#define MRX_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mrx_control.h"

/* Group record types (RFC 3376 4.2.12, RFC 3810 5.2.12): name, value, short text. */
#define MRX_RECORD_TYPES(X)                        \
	X(MODE_IS_INCLUDE, 1, "IS_IN")                 \
	X(MODE_IS_EXCLUDE, 2, "IS_EX")                 \
	X(CHANGE_TO_INCLUDE_MODE, 3, "TO_IN")          \
	X(CHANGE_TO_EXCLUDE_MODE, 4, "TO_EX")          \
	X(ALLOW_NEW_SOURCES, 5, "ALLOW")               \
	X(BLOCK_OLD_SOURCES, 6, "BLOCK")

enum mrx_record_type {
#define MRX_RECORD_ENUM(name, value, text) MRX_RECORD_##name = value,
	MRX_RECORD_TYPES(MRX_RECORD_ENUM)
#undef MRX_RECORD_ENUM
};

/* "IS_IN", ...; "?" for an unknown value. */
const char *mrx_record_type_name(unsigned type);

/* Older-version messages, one group each. */
#define MRX_OLD_MESSAGES(X)                                 \
	X(IGMPV1_REPORT, "IGMPv1 Membership Report")            \
	X(IGMPV2_REPORT, "IGMPv2 Membership Report")            \
	X(IGMPV2_LEAVE, "IGMPv2 Leave Group")                   \
	X(MLDV1_REPORT, "MLDv1 Multicast Listener Report")      \
	X(MLDV1_DONE, "MLDv1 Multicast Listener Done")

enum mrx_old_message {
#define MRX_OLD_ENUM(name, text) MRX_OLD_##name,
	MRX_OLD_MESSAGES(MRX_OLD_ENUM)
#undef MRX_OLD_ENUM
};

/* What the encoder needs to know of the sending interface. */
struct mrx_wire_interface {
	uint8_t mac[6];
	uint16_t vlan_id;              /* 0: no tag */
	struct in_addr ipv4;           /* IGMP source (0.0.0.0 if none) */
	struct in6_addr ipv6_link_local; /* MLD source (:: if none yet) */
	uint32_t mtu;                  /* IP MTU: bytes from the IP header on */
};

struct mrx_wire_record {
	enum mrx_record_type type;
	struct mrx_addr group;
	uint32_t source_count;
	const struct mrx_addr *sources;
};

/* Largest frame the encoder writes: MTU up to 9216 plus Ethernet and tag. */
#define MRX_WIRE_MAX_FRAME 9250u

typedef void (*mrx_wire_emit_fn)(void *context, const uint8_t *frame, size_t length);

/* Encode records as IGMPv3 (family AF_INET, to 224.0.0.22) or MLDv2
 * (AF_INET6, to ff02::16) reports, in the given order, packed up to the
 * MTU (RFC 3376 4.2.16, RFC 3810 5.2.15): records continue in further
 * reports; an IS_EX/TO_EX record too long for one report is cut to what
 * fits (the cut count is added to *sources_truncated), any other record is
 * split across reports. Records with no source of type ALLOW/BLOCK are the
 * caller's to avoid. emit is called once per frame.
 * Returns the number of frames, or -EINVAL (bad family, MTU too small for
 * one record with one source or above 9216, a record type or an address
 * of another family: then nothing is emitted). */
int mrx_wire_v3_reports(const struct mrx_wire_interface *interface, int family,
			const struct mrx_wire_record *records, size_t record_count,
			mrx_wire_emit_fn emit, void *context, uint64_t *sources_truncated);

/* Encode one older-version message for the group into buffer (at least
 * MRX_WIRE_MAX_FRAME bytes). IGMPv1/v2 reports and MLDv1 reports go to the
 * group, IGMPv2 Leave to 224.0.0.2, MLDv1 Done to ff02::2 (RFC 2236 3,
 * RFC 2710 4). Returns the frame length, or 0 if the group is not of the
 * message's family. Frames are not padded to 60 bytes (the NIC pads). */
size_t mrx_wire_old_message(const struct mrx_wire_interface *interface,
			    enum mrx_old_message message, const struct mrx_addr *group,
			    uint8_t *buffer);

/* The multicast MAC of a group: 01:00:5e + low 23 bits (RFC 1112 6.4), or
 * 33:33 + low 32 bits (RFC 2464 7). */
void mrx_wire_multicast_mac(const struct mrx_addr *group, uint8_t mac[6]);

/* ---- decoding received frames ---- */

enum mrx_wire_input_kind {
	MRX_INPUT_QUERY = 1,      /* an IGMP or MLD query */
	MRX_INPUT_OLD_REPORT = 2, /* IGMPv1/v2 report, MLDv1 report: heard for suppression */
};

struct mrx_wire_input {
	enum mrx_wire_input_kind kind;
	int family;            /* AF_INET (IGMP) or AF_INET6 (MLD) */
	uint8_t version;       /* IGMP 1/2/3, MLD 1/2 (RFC 3376 7.1, RFC 3810 8.1) */
	uint16_t vlan_id;      /* 0 if untagged; of two tags, the outer one's */
	struct mrx_addr ip_source;
	struct mrx_addr ip_destination;
	struct mrx_addr group; /* all zero (:: / 0.0.0.0) for a General Query */
	/* Queries: Max Resp Code decoded (RFC 3376 4.1.1, RFC 3810 5.1.3), in
	 * ms; IGMPv1 queries give 10000 (RFC 3376 7.1). */
	uint32_t max_response_ms;
	uint8_t robustness;        /* QRV as sent, 0 if none (v1/v2) */
	uint32_t query_interval_s; /* QQIC decoded (4.1.7 / 5.1.9), 0 if none */
	bool suppress_router_processing; /* S flag */
	uint32_t source_count;
	const uint8_t *source_bytes; /* into the frame: 4 or 16 bytes each */
};

/* Parse and validate a received frame. Returns 0 with *input filled for a
 * valid query or older-version report; else the counter that says why it
 * is not one: a MRX_COUNTER_DROP_* reason (truncated, bad checksum, TTL /
 * Hop Limit not 1, no Router Alert where required, MLD source not
 * link-local, destination multicast but neither all-systems/all-nodes nor
 * the group, query length of no version, General Query with sources, ...)
 * or MRX_COUNTER_FRAMES_IGNORED for a well-formed frame that is neither
 * (IGMPv3/MLDv2 reports, other ICMPv6, other protocols). */
enum mrx_counter mrx_wire_parse(const uint8_t *frame, size_t length, struct mrx_wire_input *input);

/* Source i of a parsed query. */
void mrx_wire_input_source(const struct mrx_wire_input *input, uint32_t index,
			   struct mrx_addr *source);

/* ---- decoding our own reports (tests, tools, fuzzers) ---- */

/* Calls record() for each group record of an IGMPv3 or MLDv2 report frame
 * (sources decoded into a scratch array valid during the call). For an
 * older-version message, calls old() once. Returns 0, or the drop counter
 * (as mrx_wire_parse) when the frame is not a valid report. */
struct mrx_wire_report_visitor {
	void (*record)(void *context, int family, const struct mrx_wire_record *record);
	void (*old)(void *context, int family, enum mrx_old_message message,
		    const struct mrx_addr *group, const struct mrx_addr *destination);
	void *context;
};
enum mrx_counter mrx_wire_decode_report(const uint8_t *frame, size_t length,
					const struct mrx_wire_report_visitor *visitor);

/* ---- queries (for tests, tools and fuzz seeds; the host never sends them) ---- */

struct mrx_wire_query_spec {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t version;        /* IGMP 1, 2, 3; MLD 1, 2 */
	struct mrx_addr group;  /* zero: General Query */
	const struct mrx_addr *sources;
	uint32_t source_count;
	uint32_t max_response_code; /* raw field: 8 bits IGMP/MLDv1 16 bits MLDv2 */
	uint8_t robustness;     /* QRV (v3/MLDv2) */
	uint8_t query_interval_code; /* QQIC raw (v3/MLDv2) */
	bool suppress_router_processing;
	struct mrx_addr ip_source;      /* zero: 192.0.2.2 / fe80::2 */
	struct mrx_addr ip_destination; /* zero: 224.0.0.1 / ff02::1 for General,
					 * the group for a specific query */
	uint8_t ttl;            /* 0: 1 */
	bool no_router_alert;
	bool bad_checksum;
	uint16_t vlan_id;
	uint8_t source_mac[6];  /* zero: 02:00:00:00:00:02 */
};

/* Encode a query into buffer (MRX_WIRE_MAX_FRAME bytes); returns the
 * frame length, or 0 if it does not fit. The caller may cut the frame
 * shorter to make a truncated one. */
size_t mrx_wire_build_query(const struct mrx_wire_query_spec *spec, uint8_t *buffer);

/* Encode a Max Resp Code / QQIC from a value (RFC 3376 4.1.1 and 4.1.7:
 * below 128 exact, else floating point with 3-bit exponent, 4-bit mantissa),
 * and the 16-bit MLDv2 form (RFC 3810 5.1.3). Values too big saturate. */
uint8_t mrx_wire_encode_code8(uint32_t value);
uint16_t mrx_wire_encode_code16(uint32_t value);
uint32_t mrx_wire_decode_code8(uint8_t code);
uint32_t mrx_wire_decode_code16(uint16_t code);

/* Internet checksum (RFC 1071) over data, plus an initial partial sum. */
uint16_t mrx_wire_checksum(const void *data, size_t length, uint32_t initial);

#endif
