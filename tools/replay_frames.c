/* SPDX-License-Identifier: BSD-3-Clause
 *
 * pcap files and report summaries for mcastrx-replay (see replay_frames.h).
 */
#include "replay_frames.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mrx_control.h"
#include "wire.h"

#define PCAP_MAGIC_MICROSECONDS 0xa1b2c3d4u
#define PCAP_MAGIC_NANOSECONDS 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u /* DLT_EN10MB */
#define PCAP_SNAPLEN 65535u

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t seconds;
	uint32_t fraction; /* microseconds or nanoseconds, per the magic */
	uint32_t captured_length;
	uint32_t original_length;
};

FILE *replay_pcap_create(const char *path)
{
	FILE *file = fopen(path, "wb");
	if (!file)
		return NULL;
	struct pcap_file_header header = {
		.magic = PCAP_MAGIC_NANOSECONDS,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	if (fwrite(&header, sizeof(header), 1, file) != 1) {
		int saved = errno;
		fclose(file);
		errno = saved;
		return NULL;
	}
	return file;
}

int replay_pcap_write(FILE *file, uint64_t time_ns, const uint8_t *frame, size_t length)
{
	struct pcap_record_header header = {
		.seconds = (uint32_t)(time_ns / 1000000000u),
		.fraction = (uint32_t)(time_ns % 1000000000u),
		.captured_length = (uint32_t)length,
		.original_length = (uint32_t)length,
	};
	if (fwrite(&header, sizeof(header), 1, file) != 1 ||
	    (length && fwrite(frame, length, 1, file) != 1))
		return errno ? -errno : -EIO;
	return 0;
}

static uint32_t swap32(uint32_t value)
{
	return __builtin_bswap32(value);
}

int replay_pcap_read(const char *path,
		     int (*frame)(void *context, uint64_t time_ns, const uint8_t *data,
				  size_t length),
		     void *context, const char **message)
{
	*message = NULL;
	FILE *file = fopen(path, "rb");
	if (!file) {
		int error = -errno;
		*message = strerror(errno);
		return error;
	}
	uint8_t *data = NULL;
	int result = 0;
	struct pcap_file_header header;
	if (fread(&header, sizeof(header), 1, file) != 1) {
		*message = "too short for a pcap file header";
		result = -EPROTO;
		goto out;
	}
	bool swapped = false, nanoseconds = false;
	switch (header.magic) {
	case PCAP_MAGIC_MICROSECONDS: break;
	case PCAP_MAGIC_NANOSECONDS: nanoseconds = true; break;
	default:
		if (swap32(header.magic) == PCAP_MAGIC_MICROSECONDS) {
			swapped = true;
		} else if (swap32(header.magic) == PCAP_MAGIC_NANOSECONDS) {
			swapped = nanoseconds = true;
		} else {
			*message = "not a classic pcap file (pcapng is not read; convert with editcap -F pcap)";
			result = -EPROTO;
			goto out;
		}
	}
	uint32_t linktype = swapped ? swap32(header.linktype) : header.linktype;
	if ((linktype & 0xffff) != PCAP_LINKTYPE_ETHERNET) {
		*message = "link type is not Ethernet (DLT_EN10MB)";
		result = -EPROTO;
		goto out;
	}
	for (;;) {
		struct pcap_record_header record;
		size_t got = fread(&record, 1, sizeof(record), file);
		if (got == 0 && feof(file))
			break;
		if (got != sizeof(record)) {
			*message = "capture cut short in a record header";
			result = -EPROTO;
			goto out;
		}
		if (swapped) {
			record.seconds = swap32(record.seconds);
			record.fraction = swap32(record.fraction);
			record.captured_length = swap32(record.captured_length);
		}
		if (record.captured_length > 262144) {
			*message = "record longer than 256 KiB";
			result = -EPROTO;
			goto out;
		}
		uint8_t *grown = realloc(data, record.captured_length ? record.captured_length : 1);
		if (!grown) {
			*message = "out of memory";
			result = -ENOMEM;
			goto out;
		}
		data = grown;
		if (record.captured_length &&
		    fread(data, record.captured_length, 1, file) != 1) {
			*message = "capture cut short in a packet";
			result = -EPROTO;
			goto out;
		}
		uint64_t time_ns = (uint64_t)record.seconds * 1000000000u +
				   (uint64_t)record.fraction * (nanoseconds ? 1u : 1000u);
		result = frame(context, time_ns, data, record.captured_length);
		if (result)
			goto out;
	}
	if (ferror(file)) {
		*message = strerror(errno);
		result = -EIO;
	}
out:
	free(data);
	fclose(file);
	return result;
}

/* ---- summaries ---- */

struct text {
	char *data;
	size_t length, capacity;
	bool failed;
};

static void text_append(struct text *text, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
static void text_append(struct text *text, const char *format, ...)
{
	if (text->failed)
		return;
	for (;;) {
		va_list args;
		va_start(args, format);
		size_t room = text->capacity - text->length;
		int wrote = vsnprintf(text->data ? text->data + text->length : NULL, room, format,
				      args);
		va_end(args);
		if (wrote < 0) {
			text->failed = true;
			return;
		}
		if ((size_t)wrote < room) {
			text->length += (size_t)wrote;
			return;
		}
		size_t capacity = text->capacity ? text->capacity * 2 : 256;
		while (capacity < text->length + (size_t)wrote + 1)
			capacity *= 2;
		char *grown = realloc(text->data, capacity);
		if (!grown) {
			text->failed = true;
			return;
		}
		text->data = grown;
		text->capacity = capacity;
	}
}

struct summary {
	struct text text;
	unsigned records;
};

static void summarize_record(void *context, int family, const struct mrx_wire_record *record)
{
	struct summary *summary = context;
	char buffer[64];
	if (summary->records++ == 0)
		text_append(&summary->text, "%s report:", family == AF_INET ? "IGMPv3" : "MLDv2");
	else
		text_append(&summary->text, ";");
	text_append(&summary->text, " %s %s {", mrx_record_type_name(record->type),
		    mrx_addr_format(&record->group, buffer, sizeof(buffer)));
	for (uint32_t i = 0; i < record->source_count; i++)
		text_append(&summary->text, "%s%s", i ? ", " : "",
			    mrx_addr_format(&record->sources[i], buffer, sizeof(buffer)));
	text_append(&summary->text, "}");
}

static void summarize_old(void *context, int family, enum mrx_old_message message,
			  const struct mrx_addr *group, const struct mrx_addr *destination)
{
	static const char *const names[] = {
		[MRX_OLD_IGMPV1_REPORT] = "IGMPv1 report",
		[MRX_OLD_IGMPV2_REPORT] = "IGMPv2 report",
		[MRX_OLD_IGMPV2_LEAVE] = "IGMPv2 leave",
		[MRX_OLD_MLDV1_REPORT] = "MLDv1 report",
		[MRX_OLD_MLDV1_DONE] = "MLDv1 done",
	};
	struct summary *summary = context;
	char group_text[64];
	const char *name = (unsigned)message < sizeof(names) / sizeof(names[0]) && names[message]
				   ? names[message]
				   : "unknown old message";
	(void)family;
	(void)destination;
	summary->records++;
	text_append(&summary->text, "%s %s", name,
		    mrx_addr_format(group, group_text, sizeof(group_text)));
}

char *replay_summarize_frame(const uint8_t *frame, size_t length)
{
	struct summary summary = {0};
	struct mrx_wire_report_visitor visitor = {
		.record = summarize_record,
		.old = summarize_old,
		.context = &summary,
	};
	enum mrx_counter result = mrx_wire_decode_report(frame, length, &visitor);
	if (result != 0) {
		free(summary.text.data);
		summary = (struct summary){0};
		const char *name = mrx_counter_name(result);
		text_append(&summary.text, "undecodable frame (%s)", name ? name : "?");
	} else if (summary.records == 0) {
		text_append(&summary.text, "report with no record");
	}
	if (summary.text.failed) {
		free(summary.text.data);
		return NULL;
	}
	return summary.text.data;
}
