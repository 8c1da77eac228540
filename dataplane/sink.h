/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Where the mcastrx program puts what a socket receives: count only, a
 * pcapng file (rte_pcapng), or out a DPDK port. Used by the main thread
 * only; counters may be read from any thread (relaxed 64-bit loads).
 */
#ifndef MRX_SINK_H
#define MRX_SINK_H

#include <stdint.h>
#include <stddef.h>

#include "config.h"
#include "mcastrx.h"

/* Sink counters: name, description. */
#define MRX_SINK_COUNTERS(X)                                                 \
	X(PACKETS, "datagrams taken from the socket")                        \
	X(BYTES, "frame bytes of those datagrams")                           \
	X(WRITTEN, "datagrams written to the file / sent out the port")      \
	X(FAILED, "datagrams not written: no copy buffer, write error, TX full")

enum mrx_sink_counter {
#define MRX_SINK_COUNTER_ENUM(name, text) MRX_SINK_##name,
	MRX_SINK_COUNTERS(MRX_SINK_COUNTER_ENUM)
#undef MRX_SINK_COUNTER_ENUM
	MRX_SINK_COUNTER_MAX
};

const char *mrx_sink_counter_name(enum mrx_sink_counter counter);
const char *mrx_sink_counter_description(enum mrx_sink_counter counter);

struct mrx_sink;

/* Open the sink a socket's configuration asks for, after mcastrx_start (a
 * pcapng file lists the ports that exist; a forward port that mcastrx does
 * not manage is configured and started here with one TX queue).
 * Returns 0 or -errno with a one-line message. */
int mrx_sink_open(const struct mrx_config_socket *socket, struct mrx_sink **sink, char *error,
		  size_t error_size);

/* Take count packets: count them, write / send them. The packets stay the
 * caller's to free (forwarding takes its own mbuf reference). */
void mrx_sink_put(struct mrx_sink *sink, const struct mcastrx_packet *packets, unsigned count);

/* Push out anything held back (the pcapng writer writes each burst at once,
 * so this only matters for forwarding retries). */
void mrx_sink_flush(struct mrx_sink *sink);

/* Flush, close the file / stop a port opened here, free. */
void mrx_sink_close(struct mrx_sink *sink);

uint64_t mrx_sink_counter(const struct mrx_sink *sink, enum mrx_sink_counter counter);
enum mrx_sink_kind mrx_sink_kind(const struct mrx_sink *sink);
/* "count", "pcapng FILE", "forward port N" */
const char *mrx_sink_describe(const struct mrx_sink *sink);

#endif
