/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Shared pieces of the libFuzzer targets: reading the input as a stream of
 * small integers, writing seed files, and the "--write-seeds DIR" mode every
 * target has (LLVMFuzzerInitialize sees the arguments before libFuzzer does,
 * so `fuzz_X --write-seeds DIR` writes the target's seed corpus and exits).
 * Header-only: each target is one translation unit.
 */
#ifndef MRX_FUZZ_COMMON_H
#define MRX_FUZZ_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failed check: print why and abort, so libFuzzer keeps the input. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_fail(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	fprintf(stderr, "FUZZ CHECK FAILED: ");
	vfprintf(stderr, format, args);
	fprintf(stderr, "\n");
	va_end(args);
	abort();
}

#define FUZZ_CHECK(condition, ...)               \
	do {                                         \
		if (!(condition))                        \
			fuzz_fail(__VA_ARGS__);              \
	} while (0)

/* The input as a stream; reads past the end give zeros and set exhausted. */
struct fuzz_stream {
	const uint8_t *data;
	size_t length;
	size_t offset;
};

static inline bool fuzz_more(const struct fuzz_stream *stream)
{
	return stream->offset < stream->length;
}

static inline uint8_t fuzz_u8(struct fuzz_stream *stream)
{
	return stream->offset < stream->length ? stream->data[stream->offset++] : 0;
}

static inline uint16_t fuzz_u16(struct fuzz_stream *stream)
{
	uint16_t high = fuzz_u8(stream);
	return (uint16_t)(high << 8 | fuzz_u8(stream));
}

/* Up to want bytes; returns how many are there. */
static inline size_t fuzz_bytes(struct fuzz_stream *stream, size_t want, const uint8_t **out)
{
	size_t left = stream->length - stream->offset;
	size_t take = want < left ? want : left;
	*out = stream->data + stream->offset;
	stream->offset += take;
	return take;
}

/* ---- seeds ---- */

struct fuzz_seed_writer {
	const char *directory;
	unsigned count;
};

static inline void fuzz_write_seed(struct fuzz_seed_writer *writer, const char *name,
				   const uint8_t *data, size_t length)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", writer->directory, name);
	FILE *file = fopen(path, "wb");
	if (!file || fwrite(data, 1, length, file) != length || fclose(file) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	writer->count++;
}

/* Each target defines this: write its seeds with fuzz_write_seed. */
static void fuzz_make_seeds(struct fuzz_seed_writer *writer);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (int i = 1; i + 1 < *argc; i++) {
		if (strcmp((*argv)[i], "--write-seeds") == 0) {
			struct fuzz_seed_writer writer = {(*argv)[i + 1], 0};
			fuzz_make_seeds(&writer);
			printf("%s: wrote %u seeds to %s\n", (*argv)[0], writer.count, writer.directory);
			exit(0);
		}
	}
	return 0;
}

#endif
