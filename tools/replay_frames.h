/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Frames for mcastrx-replay: classic pcap files (Ethernet, DLT_EN10MB) read
 * and written without libpcap, and a one-line summary of a report frame.
 */
#ifndef MRX_REPLAY_FRAMES_H
#define MRX_REPLAY_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Open a pcap file for writing: nanosecond timestamps (magic 0xa1b23c4d),
 * link type Ethernet. NULL with errno set on failure. */
FILE *replay_pcap_create(const char *path);
/* Append one frame stamped time_ns after the epoch (1970-01-01 00:00:00);
 * 0 or -errno. */
int replay_pcap_write(FILE *file, uint64_t time_ns, const uint8_t *frame, size_t length);

/* Call frame() for every packet of a classic pcap capture (either byte
 * order, microsecond or nanosecond stamps) of link type Ethernet. Stops when
 * frame() returns non-zero and returns that value. Returns 0, or -errno when
 * the file cannot be read, -EPROTO when it is not an Ethernet pcap capture
 * or is cut short; *message then says what was wrong. */
int replay_pcap_read(const char *path,
		     int (*frame)(void *context, uint64_t time_ns, const uint8_t *data,
				  size_t length),
		     void *context, const char **message);

/* One line describing a frame the engine sent, e.g.
 * "IGMPv3 report: TO_EX 239.1.1.1 {}; ALLOW 239.1.1.2 {10.0.0.1}"
 * or "IGMPv2 leave 239.1.1.1", decoded with mrx_wire_decode_report; a
 * frame that is no valid report gives "undecodable frame (REASON)".
 * Returns a malloc'ed string (NULL when out of memory). */
char *replay_summarize_frame(const uint8_t *frame, size_t length);

#endif
