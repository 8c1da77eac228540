/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The (S,G) lookup table (contract: table.h).
 *
 * Layout, chosen by measurement (bench/README.md):
 *   - One open-addressing group index per family, keyed on (interface,
 *     group), linear probing by cache line: IPv4 slots are 16 bytes (4 per
 *     line), IPv6 slots 32 bytes (2 per line). Capacity is a power of two at
 *     least four times max_groups, so a lookup nearly always reads one line.
 *   - A slot's payload (one 64-bit word) is EMPTY, TOMBSTONE, DIRECT (the
 *     socket set of every source, when no source is listed: the lookup ends
 *     in the index line) or a pointer to an immutable entry.
 *   - An entry holds the "other source" set and the listed sources with
 *     their precomputed set: a fixed-length list scanned without branches
 *     when short (the line after the index line), else a small open hash
 *     whose probe line the index slot lets us prefetch early.
 *   - Socket sets are interned (one id per distinct socket list) and
 *     reference counted by the entries that use them.
 *
 * Publication (RCU): a slot's key is written once, while its payload is
 * EMPTY, and never changes after; the payload is stored with release order
 * and read with acquire order, so a reader that sees a non-EMPTY payload
 * sees the final key. A deleted slot keeps its key (TOMBSTONE) and is reused
 * only by that same key; tombstones are purged by building a new index and
 * publishing its pointer. Everything unpublished (entries, sets, indexes,
 * set directories) goes through the rte_rcu_qsbr defer queue.
 */
#include "table.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <immintrin.h>


#define SLOT_EMPTY 0u
#define SLOT_TOMBSTONE 1u
#define SLOT_DIRECT_TAG 3u /* low two bits 11: direct, set id in the high half */

#define BULK_CHUNK 32u
#define DEFER_QUEUE_SIZE 4096u
#define SET_DIRECTORY_MIN 1024u
#define INDEX_SLOTS_PER_GROUP 4u /* index capacity per max_groups: load <= 1/4 */

struct slot4 {
	uint32_t group;
	uint16_t interface;
	uint16_t always_zero; /* so the first 8 bytes compare whole */
	uint64_t payload;
};

struct slot6 {
	uint8_t group[16];
	uint16_t interface;
	uint16_t always_zero[3]; /* so bytes 16-23 compare whole */
	uint64_t payload;
};

struct group_index {
	uint32_t capacity;   /* slots, power of two */
	uint32_t shift;      /* 64 - log2(capacity) */
	uint32_t used;       /* live slots */
	uint32_t tombstones;
	size_t slot_size;
	alignas(64) uint8_t slots[];
};

/* An entry is an array of 64-byte buckets (one cache line each), reached
 * by the source's hash: IPv4 buckets hold 7 (source, set) pairs, IPv6
 * buckets 3 sources and their 3 sets; the last 32-bit word of every bucket
 * is the "any other source" verdict, with bit 31 set when sources that hash
 * here overflowed into the next bucket. Empty places are copies of a real
 * pair, so a bucket is compared whole, without a branch. Nothing else is
 * stored: the writer finds the bucket count from the payload's hash size
 * and the overflow flags. Entries live in the table's memory (rte_malloc:
 * hugepages) unless MRX_TABLE_ENTRY_HEAP=libc at creation (ASan sees
 * those). */
struct bucket4 {
	uint32_t pairs[14]; /* source, set, source, set, ... */
	uint32_t unused;
	uint32_t other_set; /* | BUCKET_OVERFLOW */
};

struct bucket6 {
	uint8_t sources[3][16];
	uint32_t sets[3];
	uint32_t other_set; /* | BUCKET_OVERFLOW */
};

#define BUCKET4_PAIRS 7u
#define BUCKET6_SOURCES 3u
#define BUCKET_OVERFLOW 0x80000000u

struct entry; /* the bucket array */


struct set_directory {
	uint32_t capacity;
	const struct mrx_table_socket_set *sets[];
};

enum deferred_kind {
	DEFERRED_ENTRY = 1,
	DEFERRED_SET_REFERENCE,
	DEFERRED_INDEX,
	DEFERRED_DIRECTORY,
};

struct deferred {
	uint32_t kind;
	uint32_t set_id;
	void *pointer;
};

struct mrx_table;
static void mrx_table_defer(struct mrx_table *table, struct deferred *item);

struct mrx_table {
	struct group_index *index4; /* published */
	struct group_index *index6; /* published */
	struct set_directory *directory; /* published */
	uint32_t group_count;
	uint32_t max_groups;
	bool avx512; /* line scans with AVX-512 (CPU has it) */
	bool entries_in_libc; /* MRX_TABLE_ENTRY_HEAP=libc: entries from malloc (ASan) */
	int socket_id;
	struct rte_rcu_qsbr *rcu;
	struct rte_rcu_qsbr_dq *defer_queue;
	/* writer-only set interning */
	uint32_t set_capacity;
	uint32_t *set_references;
	uint32_t *set_hash;
	uint32_t *set_next;   /* intern chain, 0 ends */
	uint32_t *intern_heads;
	uint32_t intern_mask;
	uint32_t *free_ids;
	uint32_t free_id_count;
	uint32_t next_unused_id;
	char name[RTE_MEMZONE_NAMESIZE];
};

/* ---------- hashing ---------- */

/* Fibonacci hashing (multiply, keep the top bits) of the group in host
 * order: groups are usually allocated in runs (239.1.2.1, .2, ...), and a
 * run of consecutive keys lands on evenly spread lines, so lines overflow
 * less than under a random hash. The group as loaded from the packet (network
 * order) would put its fast-changing low byte in the top bits of the key,
 * which the multiplication mixes poorly: 64K groups of the benchmark then
 * overflowed their line 30 times as often (bench/README.md). */
static inline uint64_t hash_group4(uint32_t group, uint16_t interface)
{
	return ((uint64_t)__builtin_bswap32(group) | ((uint64_t)interface << 32)) *
	       UINT64_C(0x9E3779B97F4A7C15);
}

/* What an IPv4 slot's first 48 bits hold: the group (network order) and
 * the interface. */
static inline uint64_t key_word4(uint32_t group, uint16_t interface)
{
	return group | ((uint64_t)interface << 32);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The same idea for IPv6: the last 8 bytes in host order (group ids of a
 * run differ there), plus the mixed first 8 bytes and the interface. */
static inline uint64_t hash_group6(const uint8_t *group, uint16_t interface)
{
	uint64_t high = load64(group) * UINT64_C(0xC2B2AE3D27D4EB4F);
	uint64_t low = __builtin_bswap64(load64(group + 8)) ^ ((uint64_t)interface << 48);
	return (low + high) * UINT64_C(0x9E3779B97F4A7C15);
}

static inline uint32_t hash_source4(uint32_t source)
{
	return source * 0x9E3779B1u;
}

static inline uint32_t hash_source6(const uint8_t *source)
{
	uint64_t h = (load64(source) * UINT64_C(0x9E3779B97F4A7C15)) ^
		     (load64(source + 8) * UINT64_C(0xC2B2AE3D27D4EB4F));
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* ---------- reader side ---------- */

static inline struct slot4 *slot4_at(const struct group_index *index, uint32_t i)
{
	return (struct slot4 *)(uintptr_t)(index->slots + (size_t)i * sizeof(struct slot4));
}

static inline struct slot6 *slot6_at(const struct group_index *index, uint32_t i)
{
	return (struct slot6 *)(uintptr_t)(index->slots + (size_t)i * sizeof(struct slot6));
}

static inline uint64_t payload_load(const uint64_t *payload)
{
	return __atomic_load_n(payload, __ATOMIC_ACQUIRE);
}

/* Probe from the line of `start`: the payload of (interface, group), or
 * EMPTY. Each line is scanned without a branch (the position of a key in its
 * line is random, a loop exit there mispredicts half the time); the next
 * line is read only when this one is full of other keys. */
static inline uint64_t index_find4(const struct group_index *index, uint32_t start, uint64_t key)
{
	uint32_t mask = index->capacity - 1;
	uint32_t line = start;
	for (;;) {
		const struct slot4 *slot = slot4_at(index, line);
		uint64_t found = SLOT_EMPTY;
		bool empty = false;
		for (uint32_t j = 0; j < 4; j++) {
			uint64_t payload = payload_load(&slot[j].payload);
			uint64_t word;
			memcpy(&word, &slot[j], sizeof(word)); /* group, interface, always_zero */
			bool hit = (word == key) & (payload > SLOT_TOMBSTONE);
			found = hit ? payload : found;
			empty |= payload == SLOT_EMPTY;
		}
		if (likely(found != SLOT_EMPTY || empty))
			return found;
		line = (line + 4) & mask;
	}
}

static inline uint64_t index_find6(const struct group_index *index, uint32_t start,
				   const uint8_t *group, uint16_t interface)
{
	uint32_t mask = index->capacity - 1;
	uint64_t a = load64(group), b = load64(group + 8);
	uint32_t line = start;
	for (;;) {
		const struct slot6 *slot = slot6_at(index, line);
		uint64_t found = SLOT_EMPTY;
		bool empty = false;
		for (uint32_t j = 0; j < 2; j++) {
			uint64_t payload = payload_load(&slot[j].payload);
			bool hit = (load64(slot[j].group) == a) & (load64(slot[j].group + 8) == b) &
				   (slot[j].interface == interface) & (payload > SLOT_TOMBSTONE);
			found = hit ? payload : found;
			empty |= payload == SLOT_EMPTY;
		}
		if (likely(found != SLOT_EMPTY || empty))
			return found;
		line = (line + 2) & mask;
	}
}


/* The bucket a source starts at: hash scaled to 2^hash_bits buckets. */
static inline const void *bucket_of(const struct entry *entry, uint32_t hash, uint16_t hash_bits)
{
	return (const uint8_t *)entry + ((((uint64_t)hash << hash_bits) >> 32) << 6);
}

static inline uint32_t bucket_find4(const void *start, uint32_t source)
{
	for (const struct bucket4 *bucket = start;; bucket++) {
		for (uint32_t i = 0; i < BUCKET4_PAIRS; i++)
			if (bucket->pairs[2 * i] == source)
				return bucket->pairs[2 * i + 1];
		if (!(bucket->other_set & BUCKET_OVERFLOW))
			return bucket->other_set;
	}
}

static inline uint32_t bucket_find6(const void *start, const uint8_t *source)
{
	uint64_t a = load64(source), b = load64(source + 8);
	for (const struct bucket6 *bucket = start;; bucket++) {
		for (uint32_t i = 0; i < BUCKET6_SOURCES; i++)
			if (load64(bucket->sources[i]) == a && load64(bucket->sources[i] + 8) == b)
				return bucket->sets[i];
		if (!(bucket->other_set & BUCKET_OVERFLOW))
			return bucket->other_set;
	}
}

/* A payload is EMPTY, TOMBSTONE, DIRECT (tag 11, set id in the high half) or
 * an entry: bucket 0's address (64-aligned) with the entry's hash size in
 * bits 2-5, so a reader always pairs an entry with its own size. */
#define PAYLOAD_ENTRY_MASK (~(uint64_t)63)
#define HASH_BITS_MAX 15u /* 4 bits in the payload; bigger lists just fill buckets fuller */
static inline uint32_t payload_verdict_or_entry(uint64_t payload, const struct entry **entry,
						uint16_t *hash_bits)
{
	if (payload == SLOT_EMPTY)
		return MRX_TABLE_NO_GROUP;
	if ((payload & 3u) == SLOT_DIRECT_TAG)
		return (uint32_t)(payload >> 32);
	*entry = (const struct entry *)(uintptr_t)(payload & PAYLOAD_ENTRY_MASK);
	*hash_bits = (uint16_t)((payload >> 2) & 15u);
	return UINT32_MAX;
}

typedef uint64_t (*index_find4_fn)(const struct group_index *, uint32_t, uint64_t);
typedef uint64_t (*index_find6_fn)(const struct group_index *, uint32_t, const uint8_t *, uint16_t);
typedef uint32_t (*bucket_find4_fn)(const void *, uint32_t);
typedef uint32_t (*bucket_find6_fn)(const void *, const uint8_t *);

/* Stage 1 of a bulk lookup, one key: its key word and first index line,
 * prefetched. */
static __rte_always_inline void stage1_key4(const struct group_index *index,
					    const struct mrx_table_key4 *key, uint64_t *key_word,
					    uint32_t *start)
{
	*key_word = key_word4(key->group, key->interface);
	*start = (uint32_t)(hash_group4(key->group, key->interface) >> index->shift) & ~3u;
	rte_prefetch0(slot4_at(index, *start));
}

typedef uint32_t (*stage1_fn)(const struct group_index *, const struct mrx_table_key4 *, uint32_t,
			      uint64_t *, uint32_t *);

/* Stage 1 for every key of a chunk, one at a time. Returns n (so it serves
 * both as the scalar path's stage 1 and as the vector stage's tail). */
static __rte_always_inline uint32_t stage1_scalar4(const struct group_index *index,
						   const struct mrx_table_key4 *key, uint32_t n,
						   uint64_t *key_word, uint32_t *start)
{
	for (uint32_t i = 0; i < n; i++)
		stage1_key4(index, &key[i], &key_word[i], &start[i]);
	return n;
}

static __rte_always_inline void lookup4_bulk(const struct mrx_table *table,
					     const struct mrx_table_key4 *keys, uint32_t count,
					     uint32_t *results, stage1_fn stage1, index_find4_fn find,
					     bucket_find4_fn find_source)
{
	const struct group_index *index = __atomic_load_n(&table->index4, __ATOMIC_ACQUIRE);
	for (uint32_t base = 0; base < count; base += BULK_CHUNK) {
		uint32_t n = RTE_MIN(BULK_CHUNK, count - base);
		const struct mrx_table_key4 *key = keys + base;
		uint32_t *result = results + base;
		uint64_t key_word[BULK_CHUNK];
		uint32_t start[BULK_CHUNK];
		const void *bucket[BULK_CHUNK];
		uint32_t pending[BULK_CHUNK];
		uint32_t pending_count = 0;

		/* stage 1: key word, hash, prefetch the index line */
		uint32_t done = stage1(index, key, n, key_word, start);
		stage1_scalar4(index, key + done, n - done, key_word + done, start + done);
		/* stage 2: find the slot; direct verdicts end here, else prefetch the entry */
		for (uint32_t i = 0; i < n; i++) {
			uint16_t hash_bits = 0;
			const struct entry *entry = NULL;
			uint64_t payload = find(index, start[i], key_word[i]);
			result[i] = payload_verdict_or_entry(payload, &entry, &hash_bits);
			if (result[i] != UINT32_MAX)
				continue;
			/* one bucket (up to 7 sources): no source hash to compute */
			const void *first = entry;
			if (hash_bits != 0)
				first = bucket_of(entry, hash_source4(key[i].source), hash_bits);
			bucket[i] = first;
			rte_prefetch0(first);
			pending[pending_count++] = i;
		}
		/* stage 3: the source */
		for (uint32_t p = 0; p < pending_count; p++) {
			uint32_t i = pending[p];
			result[i] = find_source(bucket[i], key[i].source);
		}
	}
}

static __rte_always_inline void lookup6_bulk(const struct mrx_table *table,
					     const struct mrx_table_key6 *keys, uint32_t count,
					     uint32_t *results, index_find6_fn find,
					     bucket_find6_fn find_source)
{
	const struct group_index *index = __atomic_load_n(&table->index6, __ATOMIC_ACQUIRE);
	uint32_t shift = index->shift;
	for (uint32_t base = 0; base < count; base += BULK_CHUNK) {
		uint32_t n = RTE_MIN(BULK_CHUNK, count - base);
		const struct mrx_table_key6 *key = keys + base;
		uint32_t *result = results + base;
		uint32_t start[BULK_CHUNK];
		const void *bucket[BULK_CHUNK];
		uint32_t pending[BULK_CHUNK];
		uint32_t pending_count = 0;

		for (uint32_t i = 0; i < n; i++) {
			start[i] = (uint32_t)(hash_group6(key[i].group, key[i].interface) >> shift) & ~1u;
			rte_prefetch0(slot6_at(index, start[i]));
		}
		for (uint32_t i = 0; i < n; i++) {
			uint16_t hash_bits = 0;
			const struct entry *entry = NULL;
			uint64_t payload = find(index, start[i], key[i].group, key[i].interface);
			result[i] = payload_verdict_or_entry(payload, &entry, &hash_bits);
			if (result[i] != UINT32_MAX)
				continue;
			/* one bucket (up to 3 sources): no source hash to compute */
			const void *first = entry;
			if (hash_bits != 0)
				first = bucket_of(entry, hash_source6(key[i].source), hash_bits);
			bucket[i] = first;
			rte_prefetch0(first);
			pending[pending_count++] = i;
		}
		for (uint32_t p = 0; p < pending_count; p++) {
			uint32_t i = pending[p];
			result[i] = find_source(bucket[i], key[i].source);
		}
	}
}

/* AVX-512 line scans: one load and two compares per line, the payload
 * taken from the same vector. Chosen at run time (the build targets an
 * older baseline). */
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,bmi,bmi2")))

/* The payload of the one slot whose key matched (hit: bit 2j for slot j
 * of an IPv4 line, 4j for IPv6), taken from the vector the keys were
 * compared in; EMPTY when nothing matched or the slot is a tombstone. No
 * second load and no atomicity needed across the slot: each aligned 8-byte
 * lane is read whole, a slot's key is written once before its payload is
 * ever set and never changes, so any key and payload read together is a
 * state the slot has been in (a key not yet written does not match; a
 * payload read before the key's group was published is EMPTY). */
TARGET_AVX512 static inline uint64_t payload_of_hit(__m512i line, uint32_t payload_lane_mask)
{
	uint64_t payload = (uint64_t)_mm_cvtsi128_si64(
		_mm512_castsi512_si128(_mm512_maskz_compress_epi64((__mmask8)payload_lane_mask, line)));
	return payload > SLOT_TOMBSTONE ? payload : SLOT_EMPTY;
}

TARGET_AVX512 static inline uint64_t index_find4_avx512(const struct group_index *index,
							  uint32_t start, uint64_t key)
{
	uint32_t mask = index->capacity - 1;
	const __m512i key_vector = _mm512_set1_epi64((long long)key);
	uint32_t line = start;
	for (;;) {
		__m512i v = _mm512_load_si512((const void *)slot4_at(index, line));
		uint32_t hit = _mm512_mask_cmpeq_epi64_mask(0x55, v, key_vector);
		uint32_t empty = _mm512_mask_cmpeq_epi64_mask(0xAA, v, _mm512_setzero_si512());
		if (likely((hit | empty) != 0)) /* else the line is full of other keys */
			return payload_of_hit(v, hit << 1);
		line = (line + 4) & mask;
	}
}

TARGET_AVX512 static inline uint64_t index_find6_avx512(const struct group_index *index,
							  uint32_t start, const uint8_t *group,
							  uint16_t interface)
{
	uint32_t mask = index->capacity - 1;
	/* per slot: group (2 lanes), interface (zero-extended), payload */
	const __m512i key_vector = _mm512_mask_set1_epi64(
		_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)group)), 0x44, interface);
	uint32_t line = start;
	for (;;) {
		__m512i v = _mm512_load_si512((const void *)slot6_at(index, line));
		uint32_t equal = _mm512_mask_cmpeq_epi64_mask(0x77, v, key_vector);
		uint32_t hit = equal & (equal >> 1) & (equal >> 2) & 0x11; /* bit 0: slot 0, bit 4: slot 1 */
		uint32_t empty = _mm512_mask_cmpeq_epi64_mask(0x88, v, _mm512_setzero_si512());
		if (likely((hit | empty) != 0))
			return payload_of_hit(v, hit << 3);
		line = (line + 2) & mask;
	}
}

/* A bucket compared at once; the verdict is picked by index without a
 * branch (word 15 is "any other source"); only an overflowed bucket loops. */
TARGET_AVX512 static inline uint32_t bucket_find4_avx512(const void *start, uint32_t source)
{
	const __m512i wanted = _mm512_set1_epi32((int)source);
	for (const uint32_t *bucket = start;; bucket += 16) {
		__m512i line = _mm512_load_si512((const void *)bucket);
		/* words 0, 2, ..., 12 are the sources; the next word is each one's set */
		__mmask16 hit = _mm512_mask_cmpeq_epi32_mask(0x1555, line, wanted);
		/* bit 14 stands for "no source matched": word 15 */
		uint32_t word = (uint32_t)__builtin_ctz((uint32_t)hit | 0x4000u) + 1;
		uint32_t verdict = bucket[word];
		if (likely(!(verdict & BUCKET_OVERFLOW)))
			return verdict;
	}
}

TARGET_AVX512 static inline uint32_t bucket_find6_avx512(const void *start, const uint8_t *source)
{
	const __m512i wanted = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)source));
	for (const uint32_t *bucket = start;; bucket += 16) {
		__m512i line = _mm512_load_si512((const void *)bucket);
		uint32_t equal = _mm512_mask_cmpeq_epi64_mask(0x3F, line, wanted);
		uint32_t both = equal & (equal >> 1) & 0x15; /* both halves of source 0, 1, 2 */
		/* bit 6 stands for "no source matched": word 12 + 3 */
		uint32_t word = 12 + ((uint32_t)__builtin_ctz(both | 0x40u) >> 1);
		uint32_t verdict = bucket[word];
		if (likely(!(verdict & BUCKET_OVERFLOW)))
			return verdict;
	}
}

/* Stage 1 for 8 keys at a time: the 96 bytes of 8 keys are split into
 * groups and interfaces by two permutes, then hashed as hash_group4() does
 * (byte swap, 64-bit multiply) in one vector; the 8 index lines are
 * prefetched from the results. Returns how many keys it did (a multiple of
 * 8); the rest is left to the scalar stage. */
TARGET_AVX512 static inline uint32_t stage1_avx512_4(const struct group_index *index,
						      const struct mrx_table_key4 *key, uint32_t n,
						      uint64_t *key_word, uint32_t *start)
{
	RTE_BUILD_BUG_ON(sizeof(struct mrx_table_key4) != 12);
	const __m512i group_lanes = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 21, 18, 15, 12, 9, 6, 3, 0);
	const __m512i interface_lanes =
		_mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 23, 20, 17, 14, 11, 8, 5, 2);
	const __m256i byte_swap = _mm256_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
						  12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	const __m512i multiplier = _mm512_set1_epi64((long long)UINT64_C(0x9E3779B97F4A7C15));
	const __m128i shift = _mm_cvtsi32_si128((int)index->shift);
	const __m256i line_mask = _mm256_set1_epi32(~3);
	uint32_t done = 0;
	for (; done + 8 <= n; done += 8) {
		const uint32_t *words = (const uint32_t *)(const void *)(key + done);
		__m512i low = _mm512_loadu_si512((const void *)words);
		__m512i high = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(words + 16)));
		__m256i group = _mm512_castsi512_si256(_mm512_permutex2var_epi32(low, group_lanes, high));
		__m256i interface = _mm256_and_si256(
			_mm512_castsi512_si256(_mm512_permutex2var_epi32(low, interface_lanes, high)),
			_mm256_set1_epi32(0xFFFF));
		__m512i interface_high = _mm512_slli_epi64(_mm512_cvtepu32_epi64(interface), 32);
		__m512i word = _mm512_or_si512(_mm512_cvtepu32_epi64(group), interface_high);
		__m512i swapped = _mm512_or_si512(
			_mm512_cvtepu32_epi64(_mm256_shuffle_epi8(group, byte_swap)), interface_high);
		__m512i hash = _mm512_mullo_epi64(swapped, multiplier);
		__m256i line = _mm256_and_si256(_mm512_cvtepi64_epi32(_mm512_srl_epi64(hash, shift)),
						line_mask);
		_mm512_storeu_si512((void *)(key_word + done), word);
		_mm256_storeu_si256((__m256i *)(void *)(start + done), line);
		for (uint32_t i = done; i < done + 8; i++)
			rte_prefetch0(slot4_at(index, start[i]));
	}
	return done;
}

TARGET_AVX512 static void lookup4_bulk_avx512(const struct mrx_table *table,
					      const struct mrx_table_key4 *keys, uint32_t count,
					      uint32_t *results)
{
	lookup4_bulk(table, keys, count, results, stage1_avx512_4, index_find4_avx512,
		     bucket_find4_avx512);
}


TARGET_AVX512 static void lookup6_bulk_avx512(const struct mrx_table *table,
					      const struct mrx_table_key6 *keys, uint32_t count,
					      uint32_t *results)
{
	lookup6_bulk(table, keys, count, results, index_find6_avx512, bucket_find6_avx512);
}

/* Read when a table is created: MRX_TABLE_NO_AVX512 set in the environment
 * makes that table use the scalar scans (tests and benchmarks compare both). */
static bool use_avx512(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
	       getenv("MRX_TABLE_NO_AVX512") == NULL;
}

void mrx_table_lookup4_bulk(const struct mrx_table *table, const struct mrx_table_key4 *keys,
			    uint32_t count, uint32_t *results)
{
	if (table->avx512)
		lookup4_bulk_avx512(table, keys, count, results);
	else
		lookup4_bulk(table, keys, count, results, stage1_scalar4, index_find4, bucket_find4);
}

void mrx_table_lookup6_bulk(const struct mrx_table *table, const struct mrx_table_key6 *keys,
			    uint32_t count, uint32_t *results)
{
	if (table->avx512)
		lookup6_bulk_avx512(table, keys, count, results);
	else
		lookup6_bulk(table, keys, count, results, index_find6, bucket_find6);
}

uint32_t mrx_table_lookup4(const struct mrx_table *table, const struct mrx_table_key4 *key)
{
	const struct group_index *index = __atomic_load_n(&table->index4, __ATOMIC_ACQUIRE);
	uint32_t start = (uint32_t)(hash_group4(key->group, key->interface) >> index->shift) & ~3u;
	uint16_t hash_bits = 0;
	const struct entry *entry = NULL;
	uint64_t payload = index_find4(index, start, key_word4(key->group, key->interface));
	uint32_t verdict = payload_verdict_or_entry(payload, &entry, &hash_bits);
	return verdict != UINT32_MAX
		       ? verdict
		       : bucket_find4(bucket_of(entry, hash_source4(key->source), hash_bits), key->source);
}

uint32_t mrx_table_lookup6(const struct mrx_table *table, const struct mrx_table_key6 *key)
{
	const struct group_index *index = __atomic_load_n(&table->index6, __ATOMIC_ACQUIRE);
	uint32_t start = (uint32_t)(hash_group6(key->group, key->interface) >> index->shift) & ~1u;
	uint16_t hash_bits = 0;
	const struct entry *entry = NULL;
	uint64_t payload = index_find6(index, start, key->group, key->interface);
	uint32_t verdict = payload_verdict_or_entry(payload, &entry, &hash_bits);
	return verdict != UINT32_MAX
		       ? verdict
		       : bucket_find6(bucket_of(entry, hash_source6(key->source), hash_bits), key->source);
}

const struct mrx_table_socket_set *mrx_table_socket_set(const struct mrx_table *table,
							 uint32_t set_id)
{
	const struct set_directory *directory =
		__atomic_load_n(&table->directory, __ATOMIC_ACQUIRE);
	if (set_id < MRX_TABLE_FIRST_SET || set_id >= directory->capacity)
		return NULL;
	return __atomic_load_n(&directory->sets[set_id], __ATOMIC_ACQUIRE);
}

uint32_t mrx_table_group_count(const struct mrx_table *table)
{
	return __atomic_load_n(&table->group_count, __ATOMIC_RELAXED);
}

/* ---------- writer: socket sets ---------- */

static uint32_t hash_sockets(const uint32_t *sockets, uint32_t count)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ count;
	for (uint32_t i = 0; i < count; i++)
		h = (h ^ sockets[i]) * UINT64_C(0x100000001b3);
	return (uint32_t)(h ^ (h >> 32));
}

static int set_storage_grow(struct mrx_table *table)
{
	uint32_t old_capacity = table->set_capacity;
	uint32_t capacity = old_capacity * 2;
	if (capacity > BUCKET_OVERFLOW) /* set ids stay below bit 31 (the overflow flag) */
		return -ENOMEM;
	struct set_directory *old = table->directory;
	struct set_directory *directory = rte_zmalloc_socket(
		NULL, sizeof(*directory) + sizeof(directory->sets[0]) * capacity, 64, table->socket_id);
	if (directory == NULL)
		return -ENOMEM;
	uint32_t *references = realloc(table->set_references, sizeof(uint32_t) * capacity);
	if (references == NULL)
		goto fail;
	table->set_references = references;
	uint32_t *hashes = realloc(table->set_hash, sizeof(uint32_t) * capacity);
	if (hashes == NULL)
		goto fail;
	table->set_hash = hashes;
	uint32_t *next = realloc(table->set_next, sizeof(uint32_t) * capacity);
	if (next == NULL)
		goto fail;
	table->set_next = next;
	uint32_t *free_ids = realloc(table->free_ids, sizeof(uint32_t) * capacity);
	if (free_ids == NULL)
		goto fail;
	table->free_ids = free_ids;
	uint32_t *heads = calloc(capacity, sizeof(uint32_t));
	if (heads == NULL)
		goto fail;
	/* rehash the intern chains */
	for (uint32_t id = MRX_TABLE_FIRST_SET; id < old_capacity; id++) {
		if (old->sets[id] == NULL)
			continue;
		uint32_t bucket = table->set_hash[id] & (capacity - 1);
		table->set_next[id] = heads[bucket];
		heads[bucket] = id;
	}
	free(table->intern_heads);
	table->intern_heads = heads;
	table->intern_mask = capacity - 1;
	memset(table->set_references + old_capacity, 0, sizeof(uint32_t) * (capacity - old_capacity));
	directory->capacity = capacity;
	memcpy(directory->sets, old->sets, sizeof(old->sets[0]) * old_capacity);
	table->set_capacity = capacity;
	__atomic_store_n(&table->directory, directory, __ATOMIC_RELEASE);
	mrx_table_defer(table, &(struct deferred){ .kind = DEFERRED_DIRECTORY, .pointer = old });
	return 0;
fail:
	/* the arrays already grown stay grown: harmless */
	rte_free(directory);
	return -ENOMEM;
}

/* A reference to the set of these sockets (ascending, count >= 1): its id. */
static int set_acquire(struct mrx_table *table, const uint32_t *sockets, uint32_t count,
		       uint32_t *set_id)
{
	uint32_t h = hash_sockets(sockets, count);
	for (uint32_t id = table->intern_heads[h & table->intern_mask]; id != 0;
	     id = table->set_next[id]) {
		const struct mrx_table_socket_set *set = table->directory->sets[id];
		if (table->set_hash[id] == h && set->count == count &&
		    memcmp(set->sockets, sockets, sizeof(uint32_t) * count) == 0) {
			table->set_references[id]++;
			*set_id = id;
			return 0;
		}
	}
	uint32_t id;
	if (table->free_id_count > 0) {
		id = table->free_ids[--table->free_id_count];
	} else {
		if (table->next_unused_id == table->set_capacity && set_storage_grow(table) != 0)
			return -ENOMEM;
		id = table->next_unused_id++;
	}
	struct mrx_table_socket_set *set = malloc(sizeof(*set) + sizeof(uint32_t) * count);
	if (set == NULL) {
		table->free_ids[table->free_id_count++] = id;
		return -ENOMEM;
	}
	set->count = count;
	memcpy(set->sockets, sockets, sizeof(uint32_t) * count);
	table->set_references[id] = 1;
	table->set_hash[id] = h;
	uint32_t bucket = h & table->intern_mask;
	table->set_next[id] = table->intern_heads[bucket];
	table->intern_heads[bucket] = id;
	__atomic_store_n(&table->directory->sets[id], set, __ATOMIC_RELEASE);
	*set_id = id;
	return 0;
}

/* Drop one reference; the last one frees the set and recycles its id. Only
 * called when no reader can still hold the id (after a grace period, or for
 * references never published). */
static void set_release(struct mrx_table *table, uint32_t id)
{
	if (id < MRX_TABLE_FIRST_SET)
		return;
	if (--table->set_references[id] != 0)
		return;
	uint32_t *link = &table->intern_heads[table->set_hash[id] & table->intern_mask];
	while (*link != id)
		link = &table->set_next[*link];
	*link = table->set_next[id];
	struct mrx_table_socket_set *set =
		(struct mrx_table_socket_set *)(uintptr_t)table->directory->sets[id];
	__atomic_store_n(&table->directory->sets[id], NULL, __ATOMIC_RELEASE);
	free(set);
	table->free_ids[table->free_id_count++] = id;
}

/* ---------- writer: deferred freeing ---------- */

static void *entry_allocate(const struct mrx_table *table, size_t size)
{
	if (table->entries_in_libc)
		return aligned_alloc(64, size);
	return rte_malloc_socket(NULL, size, 64, table->socket_id);
}

/* Every place of every bucket holds one reference (copies included), the
 * "other" verdict one for the whole entry. */
static void entry_release(struct mrx_table *table, struct entry *entry, bool is_ipv6,
			  uint32_t hash_bits)
{
	const uint32_t *bucket0 = (const uint32_t *)entry;
	uint32_t total = 1u << hash_bits;
	while (((const uint32_t *)entry)[(total - 1) * 16 + 15] & BUCKET_OVERFLOW)
		total++;
	set_release(table, bucket0[15] & ~BUCKET_OVERFLOW);
	for (uint32_t b = 0; b < total; b++) {
		if (is_ipv6) {
			const struct bucket6 *bucket = (const struct bucket6 *)entry + b;
			for (uint32_t i = 0; i < BUCKET6_SOURCES; i++)
				set_release(table, bucket->sets[i]);
		} else {
			const struct bucket4 *bucket = (const struct bucket4 *)entry + b;
			for (uint32_t i = 0; i < BUCKET4_PAIRS; i++)
				set_release(table, bucket->pairs[2 * i + 1]);
		}
	}
	if (table->entries_in_libc)
		free(entry);
	else
		rte_free(entry);
}

/* A published entry payload: release what it holds. */
static void payload_release(struct mrx_table *table, uint64_t payload, bool is_ipv6)
{
	if ((payload & 3u) == SLOT_DIRECT_TAG)
		set_release(table, (uint32_t)(payload >> 32));
	else
		entry_release(table, (struct entry *)(uintptr_t)(payload & PAYLOAD_ENTRY_MASK),
			      is_ipv6, (uint32_t)(payload >> 2) & 15u);
}

static void deferred_free(void *context, void *element, unsigned int n)
{
	struct mrx_table *table = context;
	struct deferred *items = element;
	for (unsigned int k = 0; k < n; k++) {
		struct deferred *item = &items[k];
		switch (item->kind) {
		case DEFERRED_ENTRY: /* set_id: the family */
			payload_release(table, (uint64_t)(uintptr_t)item->pointer, item->set_id != 0);
			break;
		case DEFERRED_SET_REFERENCE:
			set_release(table, item->set_id);
			break;
		case DEFERRED_INDEX:
		case DEFERRED_DIRECTORY:
			rte_free(item->pointer);
			break;
		}
	}
}

static void mrx_table_defer(struct mrx_table *table, struct deferred *item)
{
	if (table->defer_queue == NULL) {
		deferred_free(table, item, 1);
		return;
	}
	unsigned int freed = 0, pending = 0;
	/* (22.11 reports `available` as 0 whatever the fill: go by `pending`) */
	rte_rcu_qsbr_dq_reclaim(table->defer_queue, 32, &freed, &pending, NULL);
	if (pending >= DEFER_QUEUE_SIZE / 4 * 3) {
		/* full of items whose grace period has not ended: wait for one */
		rte_rcu_qsbr_synchronize(table->rcu, RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_reclaim(table->defer_queue, DEFER_QUEUE_SIZE, NULL, NULL, NULL);
	}
	if (rte_rcu_qsbr_dq_enqueue(table->defer_queue, item) != 0) {
		/* cannot happen after a full reclaim; free after the grace period we waited */
		rte_rcu_qsbr_synchronize(table->rcu, RTE_QSBR_THRID_INVALID);
		deferred_free(table, item, 1);
	}
}

/* ---------- writer: the group index ---------- */

static struct group_index *index_create(const struct mrx_table *table, uint32_t capacity,
					size_t slot_size)
{
	struct group_index *index = rte_zmalloc_socket(NULL, sizeof(*index) + slot_size * capacity,
						       64, table->socket_id);
	if (index == NULL)
		return NULL;
	index->capacity = capacity;
	index->shift = 64 - (uint32_t)__builtin_ctz(capacity);
	index->slot_size = slot_size;
	return index;
}

static bool is_ipv6_index(const struct group_index *index)
{
	return index->slot_size == sizeof(struct slot6);
}

/* Writer search: the slot holding this key (live or tombstone), or the
 * first EMPTY slot of its chain (*found false). */
static uint32_t index_locate(const struct group_index *index, const uint8_t *group,
			     uint16_t interface, bool *found)
{
	uint32_t mask = index->capacity - 1, i;
	if (!is_ipv6_index(index)) {
		uint32_t group4;
		memcpy(&group4, group + 12, 4);
		i = (uint32_t)(hash_group4(group4, interface) >> index->shift) & ~3u;
		for (;; i = (i + 1) & mask) {
			const struct slot4 *slot = slot4_at(index, i);
			if (slot->payload == SLOT_EMPTY)
				break;
			if (slot->group == group4 && slot->interface == interface) {
				*found = true;
				return i;
			}
		}
	} else {
		i = (uint32_t)(hash_group6(group, interface) >> index->shift) & ~1u;
		for (;; i = (i + 1) & mask) {
			const struct slot6 *slot = slot6_at(index, i);
			if (slot->payload == SLOT_EMPTY)
				break;
			if (memcmp(slot->group, group, 16) == 0 && slot->interface == interface) {
				*found = true;
				return i;
			}
		}
	}
	*found = false;
	return i;
}

static uint64_t *slot_payload(const struct group_index *index, uint32_t i)
{
	if (is_ipv6_index(index))
		return &slot6_at(index, i)->payload;
	return &slot4_at(index, i)->payload;
}

/* Write a key into an EMPTY slot (not yet visible: payload is EMPTY). */
static void slot_write_key(const struct group_index *index, uint32_t i, const uint8_t *group,
			   uint16_t interface)
{
	if (is_ipv6_index(index)) {
		struct slot6 *slot = slot6_at(index, i);
		memcpy(slot->group, group, 16);
		slot->interface = interface;
	} else {
		struct slot4 *slot = slot4_at(index, i);
		memcpy(&slot->group, group + 12, 4);
		slot->interface = interface;
	}
}

/* A new index with the live slots only, published; the old one deferred. */
static int index_rebuild(struct mrx_table *table, struct group_index **published)
{
	struct group_index *old = *published;
	struct group_index *index = index_create(table, old->capacity, old->slot_size);
	if (index == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < old->capacity; i++) {
		uint64_t payload = *slot_payload(old, i);
		if (payload == SLOT_EMPTY || payload == SLOT_TOMBSTONE)
			continue;
		uint8_t group[16] = { 0 };
		uint16_t interface;
		if (is_ipv6_index(old)) {
			memcpy(group, slot6_at(old, i)->group, 16);
			interface = slot6_at(old, i)->interface;
		} else {
			memcpy(group + 12, &slot4_at(old, i)->group, 4);
			interface = slot4_at(old, i)->interface;
		}
		bool found;
		uint32_t j = index_locate(index, group, interface, &found);
		slot_write_key(index, j, group, interface);
		*slot_payload(index, j) = payload;
		index->used++;
	}
	__atomic_store_n(published, index, __ATOMIC_RELEASE);
	mrx_table_defer(table, &(struct deferred){ .kind = DEFERRED_INDEX, .pointer = old });
	return 0;
}

/* ---------- writer: building an entry ---------- */

static bool addr_is_ipv4_mapped(const struct mrx_addr *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a->bytes, prefix, 12) == 0;
}

static bool addr_is_multicast(const struct mrx_addr *a, bool ipv4)
{
	return ipv4 ? (a->bytes[12] & 0xf0) == 0xe0 : a->bytes[0] == 0xff;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int compare_addr(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct mrx_addr));
}

static int compare_filter_by_socket(const void *a, const void *b)
{
	const struct mrx_table_socket_filter *x = *(const struct mrx_table_socket_filter *const *)a;
	const struct mrx_table_socket_filter *y = *(const struct mrx_table_socket_filter *const *)b;
	return x->socket < y->socket ? -1 : x->socket > y->socket;
}

static int validate(const struct mrx_addr *group, const struct mrx_table_socket_filter *filters,
		    uint32_t filter_count, bool *ipv4)
{
	if (group == NULL || (filter_count > 0 && filters == NULL))
		return -EINVAL;
	*ipv4 = addr_is_ipv4_mapped(group);
	if (!addr_is_multicast(group, *ipv4))
		return -EINVAL;
	for (uint32_t f = 0; f < filter_count; f++) {
		const struct mrx_table_socket_filter *filter = &filters[f];
		if (filter->mode != MRX_MODE_INCLUDE && filter->mode != MRX_MODE_EXCLUDE)
			return -EINVAL;
		if (filter->source_count > 0 && filter->sources == NULL)
			return -EINVAL;
		for (uint32_t s = 0; s < filter->source_count; s++) {
			if (addr_is_ipv4_mapped(&filter->sources[s]) != *ipv4)
				return -EINVAL;
			if (s > 0 && memcmp(&filter->sources[s - 1], &filter->sources[s],
					    sizeof(struct mrx_addr)) >= 0)
				return -EINVAL;
		}
	}
	return 0;
}

static bool filter_lists(const struct mrx_table_socket_filter *filter, const struct mrx_addr *source)
{
	return filter->source_count > 0 &&
	       bsearch(source, filter->sources, filter->source_count, sizeof(struct mrx_addr),
		       compare_addr) != NULL;
}

static bool filter_accepts(const struct mrx_table_socket_filter *filter,
			   const struct mrx_addr *source)
{
	bool listed = filter_lists(filter, source);
	return filter->mode == MRX_MODE_INCLUDE ? listed : !listed;
}

/* What a compiled group is: a direct verdict or an entry (with references). */
struct compiled {
	uint64_t payload; /* what the slot gets: DIRECT, or the entry with its hash size */
};

static void compiled_release(struct mrx_table *table, struct compiled *c, bool is_ipv6)
{
	payload_release(table, c->payload, is_ipv6);
}

static int verdict_of(struct mrx_table *table, const uint32_t *sockets, uint32_t count,
		      uint32_t *verdict)
{
	if (count == 0) {
		*verdict = MRX_TABLE_SOURCE_REJECTED;
		return 0;
	}
	return set_acquire(table, sockets, count, verdict);
}

static uint32_t hash_source_any(bool ipv4, const struct mrx_addr *source)
{
	if (ipv4) {
		uint32_t s;
		memcpy(&s, source->bytes + 12, 4);
		return hash_source4(s);
	}
	return hash_source6(source->bytes);
}

static int compile_group(struct mrx_table *table, bool ipv4,
			 const struct mrx_table_socket_filter *filters, uint32_t filter_count,
			 struct compiled *out)
{
	int rc = -ENOMEM;
	const struct mrx_table_socket_filter **active = NULL;
	struct mrx_addr *sources = NULL;
	uint32_t *sockets = NULL, *listed_verdicts = NULL, *fill = NULL, *place = NULL;
	bool *overflow = NULL;
	uint32_t active_count = 0, total_sources = 0, other_set = MRX_TABLE_SOURCE_REJECTED;
	bool other_acquired = false;

	memset(out, 0, sizeof(*out));
	active = malloc(sizeof(*active) * (filter_count + 1));
	sockets = malloc(sizeof(uint32_t) * (filter_count + 1));
	if (active == NULL || sockets == NULL)
		goto out;
	for (uint32_t f = 0; f < filter_count; f++) {
		if (filters[f].mode == MRX_MODE_INCLUDE && filters[f].source_count == 0)
			continue; /* INCLUDE {}: no membership */
		active[active_count++] = &filters[f];
		total_sources += filters[f].source_count;
	}
	rc = -EINVAL;
	qsort(active, active_count, sizeof(*active), compare_filter_by_socket);
	for (uint32_t f = 1; f < active_count; f++)
		if (active[f - 1]->socket == active[f]->socket)
			goto out;
	/* a socket twice among the INCLUDE {} ones is also an error */
	{
		uint32_t n = 0;
		for (uint32_t f = 0; f < filter_count; f++)
			sockets[n++] = filters[f].socket;
		qsort(sockets, n, sizeof(uint32_t), compare_u32);
		for (uint32_t f = 1; f < n; f++)
			if (sockets[f - 1] == sockets[f])
				goto out;
	}
	rc = 0;
	if (active_count == 0) {
		out->payload = SLOT_EMPTY; /* delete */
		goto out;
	}
	rc = -ENOMEM;
	/* "any other source": the EXCLUDE sockets */
	uint32_t n = 0;
	for (uint32_t f = 0; f < active_count; f++)
		if (active[f]->mode == MRX_MODE_EXCLUDE)
			sockets[n++] = active[f]->socket;
	if (verdict_of(table, sockets, n, &other_set) != 0)
		goto out;
	other_acquired = true;

	/* the union of the listed sources, and the verdict of each */
	sources = malloc(sizeof(*sources) * (total_sources + 1));
	listed_verdicts = malloc(sizeof(uint32_t) * (total_sources + 1));
	if (sources == NULL || listed_verdicts == NULL)
		goto out;
	uint32_t distinct = 0;
	for (uint32_t f = 0; f < active_count; f++) {
		if (active[f]->source_count == 0)
			continue;
		memcpy(sources + distinct, active[f]->sources,
		       sizeof(*sources) * active[f]->source_count);
		distinct += active[f]->source_count;
	}
	qsort(sources, distinct, sizeof(*sources), compare_addr);
	uint32_t unique = 0;
	for (uint32_t s = 0; s < distinct; s++)
		if (unique == 0 || memcmp(&sources[unique - 1], &sources[s], sizeof(*sources)) != 0)
			sources[unique++] = sources[s];
	uint32_t stored = 0;
	for (uint32_t s = 0; s < unique; s++) {
		n = 0;
		for (uint32_t f = 0; f < active_count; f++)
			if (filter_accepts(active[f], &sources[s]))
				sockets[n++] = active[f]->socket;
		uint32_t verdict;
		if (verdict_of(table, sockets, n, &verdict) != 0)
			goto release_listed;
		if (verdict == other_set) { /* same as any other source: not worth storing */
			set_release(table, verdict);
			continue;
		}
		sources[stored] = sources[s];
		listed_verdicts[stored++] = verdict;
	}

	if (stored == 0) {
		out->payload = ((uint64_t)other_set << 32) | SLOT_DIRECT_TAG;
		other_acquired = false;
		rc = 0;
		goto out;
	}

	/* the buckets: one when the list fits, else 2^hash_bits; a full
	 * bucket spills into the next (overflow buckets at the end). Chosen by
	 * measurement (bench/README.md). */
	uint32_t per_bucket = ipv4 ? BUCKET4_PAIRS : BUCKET6_SOURCES;
	uint32_t hash_bits = 0;
	/* at most 2/3 full for IPv4 (7 places a bucket); 1/2 for IPv6: with 3
	 * places a bucket at 2/3 overflows into the next too often (64 sources
	 * ran 30-45 % slower, bench/README.md) */
	uint32_t fill_num = ipv4 ? 2 : 1, fill_den = ipv4 ? 3 : 2;
	if (stored > per_bucket)
		while ((1u << hash_bits) * per_bucket * fill_num < stored * fill_den &&
		       hash_bits < HASH_BITS_MAX)
			hash_bits++;
	uint32_t hashed = 1u << hash_bits, total = hashed;
	fill = calloc(hashed + stored, sizeof(uint32_t));
	overflow = calloc(hashed + stored, sizeof(bool));
	place = malloc(sizeof(uint32_t) * stored);
	if (fill == NULL || overflow == NULL || place == NULL)
		goto release_listed;
	for (uint32_t s = 0; s < stored; s++) {
		uint32_t b = (uint32_t)(((uint64_t)hash_source_any(ipv4, &sources[s]) << hash_bits) >> 32);
		while (fill[b] == per_bucket)
			overflow[b++] = true;
		place[s] = b * per_bucket + fill[b]++;
		total = RTE_MAX(total, b + 1);
	}
	struct entry *entry = entry_allocate(table, (size_t)total * 64);
	if (entry == NULL)
		goto release_listed;
	memset(entry, 0, (size_t)total * 64);
	uint32_t *owner = malloc(sizeof(uint32_t) * total * per_bucket);
	if (owner == NULL) {
		if (table->entries_in_libc)
			free(entry);
		else
			rte_free(entry);
		goto release_listed;
	}
	memset(owner, 0xff, sizeof(uint32_t) * total * per_bucket);
	for (uint32_t s = 0; s < stored; s++)
		owner[place[s]] = s;
	/* every empty place gets a copy of pair 0 (and a reference) */
	for (uint32_t p = 0; p < total * per_bucket; p++) {
		uint32_t s = owner[p];
		if (s == UINT32_MAX) {
			s = 0;
			if (listed_verdicts[0] >= MRX_TABLE_FIRST_SET)
				table->set_references[listed_verdicts[0]]++;
		}
		uint32_t b = p / per_bucket, i = p % per_bucket;
		if (ipv4) {
			struct bucket4 *bucket = (struct bucket4 *)entry + b;
			memcpy(&bucket->pairs[2 * i], sources[s].bytes + 12, 4);
			bucket->pairs[2 * i + 1] = listed_verdicts[s];
		} else {
			struct bucket6 *bucket = (struct bucket6 *)entry + b;
			memcpy(bucket->sources[i], sources[s].bytes, 16);
			bucket->sets[i] = listed_verdicts[s];
		}
	}
	free(owner);
	for (uint32_t b = 0; b < total; b++) {
		uint32_t word = other_set | (overflow[b] ? BUCKET_OVERFLOW : 0);
		if (ipv4)
			((struct bucket4 *)entry + b)->other_set = word;
		else
			((struct bucket6 *)entry + b)->other_set = word;
	}
	out->payload = (uint64_t)(uintptr_t)entry | ((uint64_t)hash_bits << 2);
	other_acquired = false;
	rc = 0;
	goto out;

release_listed:
	for (uint32_t s = 0; s < stored; s++)
		set_release(table, listed_verdicts[s]);
out:
	if (other_acquired)
		set_release(table, other_set);
	free(active);
	free(sockets);
	free(sources);
	free(listed_verdicts);
	free(fill);
	free(overflow);
	free(place);
	return rc;
}

int mrx_table_set_group(struct mrx_table *table, uint16_t interface, const struct mrx_addr *group,
			const struct mrx_table_socket_filter *filters, uint32_t filter_count)
{
	bool ipv4;
	if (table == NULL)
		return -EINVAL;
	int rc = validate(group, filters, filter_count, &ipv4);
	if (rc != 0)
		return rc;
	struct group_index **published = ipv4 ? &table->index4 : &table->index6;
	bool found;
	uint32_t i = index_locate(*published, group->bytes, interface, &found);
	uint64_t old = found ? *slot_payload(*published, i) : SLOT_EMPTY;
	bool live = found && old != SLOT_TOMBSTONE;

	if (!live && filter_count > 0 && table->group_count >= table->max_groups) {
		/* only an error if the new state really adds a group */
		bool any_active = false;
		for (uint32_t f = 0; f < filter_count; f++)
			any_active |= !(filters[f].mode == MRX_MODE_INCLUDE && filters[f].source_count == 0);
		if (any_active)
			return -ENOSPC;
	}
	struct compiled compiled;
	rc = compile_group(table, ipv4, filters, filter_count, &compiled);
	if (rc != 0)
		return rc;
	if (compiled.payload == SLOT_EMPTY) { /* delete */
		if (!live)
			return 0;
		uint64_t *payload = slot_payload(*published, i);
		__atomic_store_n(payload, (uint64_t)SLOT_TOMBSTONE, __ATOMIC_RELEASE);
		(*published)->used--;
		(*published)->tombstones++;
		__atomic_store_n(&table->group_count, table->group_count - 1, __ATOMIC_RELAXED);
		goto defer_old;
	}
	if (!found) {
		struct group_index *index = *published;
		/* tombstones take slots as live keys do: keep both under 1/2 */
		if ((uint64_t)(index->used + index->tombstones + 1) * 2 > (uint64_t)index->capacity) {
			rc = index_rebuild(table, published);
			if (rc != 0) {
				compiled_release(table, &compiled, !ipv4);
				return rc;
			}
			i = index_locate(*published, group->bytes, interface, &found);
		}
		slot_write_key(*published, i, group->bytes, interface);
	} else if (old == SLOT_TOMBSTONE) {
		(*published)->tombstones--;
	}
	uint64_t *payload = slot_payload(*published, i);
	__atomic_store_n(payload, compiled.payload, __ATOMIC_RELEASE);
	if (!live) {
		(*published)->used++;
		__atomic_store_n(&table->group_count, table->group_count + 1, __ATOMIC_RELAXED);
	}
defer_old:
	if (live) {
		if ((old & 3u) == SLOT_DIRECT_TAG)
			mrx_table_defer(table, &(struct deferred){ .kind = DEFERRED_SET_REFERENCE,
								   .set_id = (uint32_t)(old >> 32) });
		else
			mrx_table_defer(table, &(struct deferred){ .kind = DEFERRED_ENTRY,
								   .set_id = !ipv4,
								   .pointer = (void *)(uintptr_t)old });
	}
	return 0;
}

/* ---------- life cycle ---------- */

struct mrx_table *mrx_table_create(const struct mrx_table_params *params)
{
	if (params == NULL || params->name == NULL || params->max_groups == 0 ||
	    params->max_groups > (1u << 28) ||
	    strlen(params->name) + 4 >= RTE_MEMZONE_NAMESIZE) {
		rte_errno = EINVAL;
		return NULL;
	}
	struct mrx_table *table = calloc(1, sizeof(*table));
	if (table == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(table->name, sizeof(table->name), "%s", params->name);
	table->socket_id = params->socket_id;
	table->max_groups = params->max_groups;
	table->rcu = params->rcu;
	table->avx512 = use_avx512();
	const char *heap = getenv("MRX_TABLE_ENTRY_HEAP");
	table->entries_in_libc = heap != NULL && strcmp(heap, "libc") == 0;
	/* A load of at most 1/4: a line of 4 IPv4 slots (2 IPv6) then seldom
	 * overflows, so a lookup reads one line (an overflow costs a dependent
	 * miss: at 1/2, 64K IPv6 groups ran 25-40 % slower; bench/README.md). */
	uint32_t capacity = 8;
	while ((uint64_t)capacity < (uint64_t)params->max_groups * INDEX_SLOTS_PER_GROUP)
		capacity *= 2;
	table->index4 = index_create(table, capacity, sizeof(struct slot4));
	table->index6 = index_create(table, capacity, sizeof(struct slot6));
	table->set_capacity = SET_DIRECTORY_MIN;
	table->directory = rte_zmalloc_socket(NULL,
		sizeof(struct set_directory) + sizeof(void *) * SET_DIRECTORY_MIN, 64,
		table->socket_id);
	table->set_references = calloc(SET_DIRECTORY_MIN, sizeof(uint32_t));
	table->set_hash = calloc(SET_DIRECTORY_MIN, sizeof(uint32_t));
	table->set_next = calloc(SET_DIRECTORY_MIN, sizeof(uint32_t));
	table->free_ids = calloc(SET_DIRECTORY_MIN, sizeof(uint32_t));
	table->intern_heads = calloc(SET_DIRECTORY_MIN, sizeof(uint32_t));
	table->intern_mask = SET_DIRECTORY_MIN - 1;
	table->next_unused_id = MRX_TABLE_FIRST_SET;
	if (table->index4 == NULL || table->index6 == NULL || table->directory == NULL ||
	    table->set_references == NULL || table->set_hash == NULL || table->set_next == NULL ||
	    table->free_ids == NULL || table->intern_heads == NULL)
		goto fail;
	table->directory->capacity = SET_DIRECTORY_MIN;
	if (params->rcu != NULL) {
		char name[RTE_MEMZONE_NAMESIZE];
		snprintf(name, sizeof(name), "%s_dq", params->name);
		struct rte_rcu_qsbr_dq_parameters dq = {
			.name = name,
			.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
			.size = DEFER_QUEUE_SIZE,
			.esize = sizeof(struct deferred),
			.trigger_reclaim_limit = 64,
			.max_reclaim_size = 256,
			.free_fn = deferred_free,
			.p = table,
			.v = params->rcu,
		};
		table->defer_queue = rte_rcu_qsbr_dq_create(&dq);
		if (table->defer_queue == NULL)
			goto fail;
	}
	return table;
fail:
	mrx_table_free(table);
	rte_errno = ENOMEM;
	return NULL;
}

static void index_release_all(struct mrx_table *table, struct group_index *index)
{
	if (index == NULL)
		return;
	for (uint32_t i = 0; i < index->capacity; i++) {
		uint64_t payload = *slot_payload(index, i);
		if (payload == SLOT_EMPTY || payload == SLOT_TOMBSTONE)
			continue;
		if ((payload & 3u) == SLOT_DIRECT_TAG)
			set_release(table, (uint32_t)(payload >> 32));
		else
			payload_release(table, payload, is_ipv6_index(index));
	}
	rte_free(index);
}

void mrx_table_free(struct mrx_table *table)
{
	if (table == NULL)
		return;
	if (table->defer_queue != NULL && rte_rcu_qsbr_dq_delete(table->defer_queue) != 0) {
		rte_rcu_qsbr_synchronize(table->rcu, RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(table->defer_queue);
	}
	table->defer_queue = NULL;
	index_release_all(table, table->index4);
	index_release_all(table, table->index6);
	rte_free(table->directory);
	free(table->set_references);
	free(table->set_hash);
	free(table->set_next);
	free(table->free_ids);
	free(table->intern_heads);
	free(table);
}

uint32_t mrx_table_home_line(const struct mrx_table *table, uint16_t interface,
			     const struct mrx_addr *group)
{
	bool ipv4 = addr_is_ipv4_mapped(group);
	if (!addr_is_multicast(group, ipv4))
		return UINT32_MAX;
	const struct group_index *index = ipv4 ? table->index4 : table->index6;
	if (ipv4) {
		uint32_t group4;
		memcpy(&group4, group->bytes + 12, 4);
		return (uint32_t)(hash_group4(group4, interface) >> index->shift) / 4;
	}
	return (uint32_t)(hash_group6(group->bytes, interface) >> index->shift) / 2;
}
