/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The (S,G) lookup table (contract: table.h).
 *
 * Layout, chosen by measurement (bench/README.md):
 *   - One open-addressing group index per family, keyed on (interface,
 *     group), linear probing by cache line: IPv4 slots are 16 bytes (4 per
 *     line), IPv6 slots 32 bytes (2 per line). Capacity is a power of two at
 *     least twice max_groups, so a lookup nearly always reads one line.
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

#define SMALL4_MAX 6u /* 16-byte header + 6 * 8 bytes = one line */
#define SMALL6_MAX 4u /* line 0: header + 4 sets; line 1: 4 sources */
#define SHORT6_SOURCES 48u /* offset in elements[] of the short IPv6 list's sources */
#define BULK_CHUNK 32u
#define DEFER_QUEUE_SIZE 4096u
#define SET_DIRECTORY_MIN 1024u

struct slot4 {
	uint32_t group;
	uint16_t interface;
	uint16_t hash_bits; /* entry's source hash size in bits; 0: short list or direct */
	uint64_t payload;
};

struct slot6 {
	uint8_t group[16];
	uint16_t interface;
	uint16_t hash_bits;
	uint32_t unused;
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

struct element4 {
	uint32_t source;
	uint32_t set;
};

struct element6 {
	uint8_t source[16];
	uint32_t set;
	uint32_t unused;
};

struct entry {
	uint32_t other_set;
	uint32_t element_count; /* stored elements; short lists are padded to the fixed length */
	uint16_t hash_bits;     /* 0: short list */
	uint8_t is_ipv6;
	uint8_t unused;
	uint32_t hash_shift;
	alignas(8) uint8_t elements[];
};

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

static inline uint64_t hash_group4(uint32_t group, uint16_t interface)
{
	return (((uint64_t)group << 16) ^ interface ^ ((uint64_t)interface << 48)) *
	       UINT64_C(0x9E3779B97F4A7C15);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t hash_group6(const uint8_t *group, uint16_t interface)
{
	uint64_t a = load64(group), b = load64(group + 8);
	uint64_t h = (a ^ ((uint64_t)interface << 40)) * UINT64_C(0x9E3779B97F4A7C15);
	h ^= b * UINT64_C(0xC2B2AE3D27D4EB4F);
	return (h ^ (h >> 29)) * UINT64_C(0x165667B19E3779F9);
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
static inline uint64_t index_find4(const struct group_index *index, uint32_t start, uint32_t group,
				   uint16_t interface, uint16_t *hash_bits)
{
	uint32_t mask = index->capacity - 1;
	uint64_t key = group | ((uint64_t)interface << 32);
	uint32_t line = start;
	for (;;) {
		const struct slot4 *slot = slot4_at(index, line);
		uint64_t found = SLOT_EMPTY;
		uint64_t found_word = 0;
		bool empty = false;
		for (uint32_t j = 0; j < 4; j++) {
			uint64_t payload = payload_load(&slot[j].payload);
			uint64_t word;
			memcpy(&word, &slot[j], sizeof(word)); /* group, interface, hash_bits */
			bool hit = ((word & UINT64_C(0xFFFFFFFFFFFF)) == key) & (payload > SLOT_TOMBSTONE);
			found = hit ? payload : found;
			found_word = hit ? word : found_word;
			empty |= payload == SLOT_EMPTY;
		}
		if (likely(found != SLOT_EMPTY || empty)) {
			*hash_bits = (uint16_t)(found_word >> 48);
			return found;
		}
		line = (line + 4) & mask;
	}
}

static inline uint64_t index_find6(const struct group_index *index, uint32_t start,
				   const uint8_t *group, uint16_t interface, uint16_t *hash_bits)
{
	uint32_t mask = index->capacity - 1;
	uint64_t a = load64(group), b = load64(group + 8);
	uint32_t line = start;
	for (;;) {
		const struct slot6 *slot = slot6_at(index, line);
		uint64_t found = SLOT_EMPTY;
		uint16_t bits = 0;
		bool empty = false;
		for (uint32_t j = 0; j < 2; j++) {
			uint64_t payload = payload_load(&slot[j].payload);
			bool hit = (load64(slot[j].group) == a) & (load64(slot[j].group + 8) == b) &
				   (slot[j].interface == interface) & (payload > SLOT_TOMBSTONE);
			found = hit ? payload : found;
			bits = hit ? slot[j].hash_bits : bits;
			empty |= payload == SLOT_EMPTY;
		}
		if (likely(found != SLOT_EMPTY || empty)) {
			*hash_bits = bits;
			return found;
		}
		line = (line + 2) & mask;
	}
}

static inline const struct element4 *elements4(const struct entry *entry)
{
	return (const struct element4 *)entry->elements;
}

static inline const struct element6 *elements6(const struct entry *entry)
{
	return (const struct element6 *)entry->elements;
}

/* Short IPv6 list: sets right after the header, sources on the next line. */
static inline const uint32_t *short6_sets(const struct entry *entry)
{
	return (const uint32_t *)entry->elements;
}

static inline const uint8_t *short6_source(const struct entry *entry, uint32_t i)
{
	return entry->elements + SHORT6_SOURCES + 16 * i;
}

static inline uint32_t entry_find4(const struct entry *entry, uint32_t source)
{
	const struct element4 *element = elements4(entry);
	if (entry->hash_bits == 0) {
		/* fixed length, padded with copies of element 0: no branch */
		uint32_t verdict = entry->other_set;
		for (uint32_t i = 0; i < SMALL4_MAX; i++) {
			uint32_t equal = -(uint32_t)(element[i].source == source);
			verdict = (element[i].set & equal) | (verdict & ~equal);
		}
		return verdict;
	}
	uint32_t mask = (1u << entry->hash_bits) - 1;
	uint32_t i = hash_source4(source) >> entry->hash_shift;
	for (;;) {
		if (element[i].set == 0)
			return entry->other_set;
		if (element[i].source == source)
			return element[i].set;
		i = (i + 1) & mask;
	}
}

static inline uint32_t entry_find6(const struct entry *entry, const uint8_t *source)
{
	const struct element6 *element = elements6(entry);
	uint64_t a = load64(source), b = load64(source + 8);
	if (entry->hash_bits == 0) {
		uint32_t verdict = entry->other_set;
		for (uint32_t i = 0; i < SMALL6_MAX; i++) {
			const uint8_t *listed = short6_source(entry, i);
			uint32_t equal = -(uint32_t)((load64(listed) == a) & (load64(listed + 8) == b));
			verdict = (short6_sets(entry)[i] & equal) | (verdict & ~equal);
		}
		return verdict;
	}
	uint32_t mask = (1u << entry->hash_bits) - 1;
	uint32_t i = hash_source6(source) >> entry->hash_shift;
	for (;;) {
		if (element[i].set == 0)
			return entry->other_set;
		if (load64(element[i].source) == a && load64(element[i].source + 8) == b)
			return element[i].set;
		i = (i + 1) & mask;
	}
}

static inline uint32_t payload_verdict_or_entry(uint64_t payload, const struct entry **entry)
{
	if (payload == SLOT_EMPTY)
		return MRX_TABLE_NO_GROUP;
	if ((payload & 3u) == SLOT_DIRECT_TAG)
		return (uint32_t)(payload >> 32);
	*entry = (const struct entry *)(uintptr_t)payload;
	return UINT32_MAX;
}

typedef uint64_t (*index_find4_fn)(const struct group_index *, uint32_t, uint32_t, uint16_t,
				   uint16_t *);
typedef uint64_t (*index_find6_fn)(const struct group_index *, uint32_t, const uint8_t *, uint16_t,
				   uint16_t *);
typedef uint32_t (*entry_find4_fn)(const struct entry *, uint32_t);
typedef uint32_t (*entry_find6_fn)(const struct entry *, const uint8_t *);

static __rte_always_inline void lookup4_bulk(const struct mrx_table *table,
					     const struct mrx_table_key4 *keys, uint32_t count,
					     uint32_t *results, index_find4_fn find,
					     entry_find4_fn find_source)
{
	const struct group_index *index = __atomic_load_n(&table->index4, __ATOMIC_ACQUIRE);
	uint32_t shift = index->shift;
	for (uint32_t base = 0; base < count; base += BULK_CHUNK) {
		uint32_t n = RTE_MIN(BULK_CHUNK, count - base);
		const struct mrx_table_key4 *key = keys + base;
		uint32_t *result = results + base;
		uint32_t start[BULK_CHUNK];
		const struct entry *entry[BULK_CHUNK];
		uint32_t pending[BULK_CHUNK];
		uint32_t pending_count = 0;

		/* stage 1: hash, prefetch the index line */
		for (uint32_t i = 0; i < n; i++) {
			start[i] = (uint32_t)(hash_group4(key[i].group, key[i].interface) >> shift) & ~3u;
			rte_prefetch0(slot4_at(index, start[i]));
		}
		/* stage 2: find the slot; direct verdicts end here, else prefetch the entry */
		for (uint32_t i = 0; i < n; i++) {
			uint16_t hash_bits = 0;
			uint64_t payload = find(index, start[i], key[i].group, key[i].interface,
						&hash_bits);
			result[i] = payload_verdict_or_entry(payload, &entry[i]);
			if (result[i] != UINT32_MAX)
				continue;
			rte_prefetch0(entry[i]);
			if (hash_bits != 0) {
				uint32_t probe = hash_source4(key[i].source) >> (32 - hash_bits);
				rte_prefetch0(&elements4(entry[i])[probe]);
			}
			pending[pending_count++] = i;
		}
		/* stage 3: the source */
		for (uint32_t p = 0; p < pending_count; p++) {
			uint32_t i = pending[p];
			result[i] = find_source(entry[i], key[i].source);
		}
	}
}

static __rte_always_inline void lookup6_bulk(const struct mrx_table *table,
					     const struct mrx_table_key6 *keys, uint32_t count,
					     uint32_t *results, index_find6_fn find,
					     entry_find6_fn find_source)
{
	const struct group_index *index = __atomic_load_n(&table->index6, __ATOMIC_ACQUIRE);
	uint32_t shift = index->shift;
	for (uint32_t base = 0; base < count; base += BULK_CHUNK) {
		uint32_t n = RTE_MIN(BULK_CHUNK, count - base);
		const struct mrx_table_key6 *key = keys + base;
		uint32_t *result = results + base;
		uint32_t start[BULK_CHUNK];
		const struct entry *entry[BULK_CHUNK];
		uint32_t pending[BULK_CHUNK];
		uint32_t pending_count = 0;

		for (uint32_t i = 0; i < n; i++) {
			start[i] = (uint32_t)(hash_group6(key[i].group, key[i].interface) >> shift) & ~1u;
			rte_prefetch0(slot6_at(index, start[i]));
		}
		for (uint32_t i = 0; i < n; i++) {
			uint16_t hash_bits = 0;
			uint64_t payload = find(index, start[i], key[i].group, key[i].interface,
						&hash_bits);
			result[i] = payload_verdict_or_entry(payload, &entry[i]);
			if (result[i] != UINT32_MAX)
				continue;
			rte_prefetch0(entry[i]);
			if (hash_bits != 0) {
				uint32_t probe = hash_source6(key[i].source) >> (32 - hash_bits);
				rte_prefetch0(&elements6(entry[i])[probe]);
			} else {
				rte_prefetch0((const uint8_t *)entry[i] + 64);
			}
			pending[pending_count++] = i;
		}
		for (uint32_t p = 0; p < pending_count; p++) {
			uint32_t i = pending[p];
			result[i] = find_source(entry[i], key[i].source);
		}
	}
}

/* AVX-512 line scans: one load and two compares per line pick the
 * candidate slot; the candidate is then checked exactly as the scalar scan
 * does (payload with acquire, then the key), so the vector load needs no
 * atomicity. Chosen at run time (the build targets an older baseline). */
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,bmi,bmi2")))

TARGET_AVX512 static inline uint64_t index_find4_avx512(const struct group_index *index,
							  uint32_t start, uint32_t group,
							  uint16_t interface, uint16_t *hash_bits)
{
	uint32_t mask = index->capacity - 1;
	uint64_t key = group | ((uint64_t)interface << 32);
	const __m512i key_vector = _mm512_set1_epi64((long long)key);
	const __m512i low48 = _mm512_set1_epi64(0xFFFFFFFFFFFFLL);
	uint32_t line = start;
	for (;;) {
		const struct slot4 *slot = slot4_at(index, line);
		__m512i v = _mm512_load_si512((const void *)slot);
		__mmask8 hit = _mm512_mask_cmpeq_epi64_mask(0x55, _mm512_and_si512(v, low48), key_vector);
		if (likely(hit != 0)) {
			const struct slot4 *candidate = &slot[__builtin_ctz(hit) >> 1];
			uint64_t payload = payload_load(&candidate->payload);
			uint64_t word;
			memcpy(&word, candidate, sizeof(word));
			if (payload > SLOT_TOMBSTONE && (word & UINT64_C(0xFFFFFFFFFFFF)) == key) {
				*hash_bits = (uint16_t)(word >> 48);
				return payload;
			}
			return SLOT_EMPTY; /* a key is in one slot only: deleted or not yet there */
		}
		if (_mm512_mask_cmpeq_epi64_mask(0xAA, v, _mm512_setzero_si512()) != 0)
			return SLOT_EMPTY;
		line = (line + 4) & mask;
	}
}

TARGET_AVX512 static inline uint64_t index_find6_avx512(const struct group_index *index,
							  uint32_t start, const uint8_t *group,
							  uint16_t interface, uint16_t *hash_bits)
{
	uint32_t mask = index->capacity - 1;
	uint64_t a = load64(group), b = load64(group + 8);
	const __m512i key_vector = _mm512_set_epi64(0, interface, (long long)b, (long long)a, 0,
						    interface, (long long)b, (long long)a);
	const __m512i key_mask = _mm512_set_epi64(0, 0xFFFF, -1, -1, 0, 0xFFFF, -1, -1);
	uint32_t line = start;
	for (;;) {
		const struct slot6 *slot = slot6_at(index, line);
		__m512i v = _mm512_load_si512((const void *)slot);
		__mmask8 equal = _mm512_mask_cmpeq_epi64_mask(0x77, _mm512_and_si512(v, key_mask), key_vector);
		uint32_t which = (equal & 0x7) == 0x7 ? 0 : (equal & 0x70) == 0x70 ? 1 : 2;
		if (likely(which < 2)) {
			const struct slot6 *candidate = &slot[which];
			uint64_t payload = payload_load(&candidate->payload);
			if (payload > SLOT_TOMBSTONE && load64(candidate->group) == a &&
			    load64(candidate->group + 8) == b && candidate->interface == interface) {
				*hash_bits = candidate->hash_bits;
				return payload;
			}
			return SLOT_EMPTY;
		}
		if (_mm512_mask_cmpeq_epi64_mask(0x88, v, _mm512_setzero_si512()) != 0)
			return SLOT_EMPTY;
		line = (line + 2) & mask;
	}
}

/* Short lists: the line holding them is compared at once; the verdict is
 * picked by index without a branch (32-bit word 0 of an entry is other_set). */
TARGET_AVX512 static inline uint32_t entry_find4_avx512(const struct entry *entry, uint32_t source)
{
	if (unlikely(entry->hash_bits != 0))
		return entry_find4(entry, source);
	__m512i line = _mm512_load_si512((const void *)entry);
	/* 32-bit words 4, 6, ..., 14 are the six sources; 5, 7, ..., 15 their sets */
	__mmask16 hit = _mm512_mask_cmpeq_epi32_mask(0x5550, line, _mm512_set1_epi32((int)source));
	uint32_t word = hit != 0 ? (uint32_t)__builtin_ctz(hit) + 1 : 0;
	return ((const uint32_t *)entry)[word];
}

TARGET_AVX512 static inline uint32_t entry_find6_avx512(const struct entry *entry,
							  const uint8_t *source)
{
	if (unlikely(entry->hash_bits != 0))
		return entry_find6(entry, source);
	__m512i listed = _mm512_load_si512((const void *)short6_source(entry, 0));
	__m512i wanted = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)source));
	uint32_t equal = _mm512_cmpeq_epi64_mask(listed, wanted);
	uint32_t both = equal & (equal >> 1) & 0x55; /* both halves of a source */
	uint32_t word = both != 0 ? 4 + ((uint32_t)__builtin_ctz(both) >> 1) : 0;
	return ((const uint32_t *)entry)[word];
}

TARGET_AVX512 static void lookup4_bulk_avx512(const struct mrx_table *table,
					      const struct mrx_table_key4 *keys, uint32_t count,
					      uint32_t *results)
{
	lookup4_bulk(table, keys, count, results, index_find4_avx512, entry_find4_avx512);
}

TARGET_AVX512 static void lookup6_bulk_avx512(const struct mrx_table *table,
					      const struct mrx_table_key6 *keys, uint32_t count,
					      uint32_t *results)
{
	lookup6_bulk(table, keys, count, results, index_find6_avx512, entry_find6_avx512);
}

static bool use_avx512(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
			 __builtin_cpu_supports("avx512vl") && getenv("MRX_TABLE_NO_AVX512") == NULL;
	return cached;
}

void mrx_table_lookup4_bulk(const struct mrx_table *table, const struct mrx_table_key4 *keys,
			    uint32_t count, uint32_t *results)
{
	if (table->avx512)
		lookup4_bulk_avx512(table, keys, count, results);
	else
		lookup4_bulk(table, keys, count, results, index_find4, entry_find4);
}

void mrx_table_lookup6_bulk(const struct mrx_table *table, const struct mrx_table_key6 *keys,
			    uint32_t count, uint32_t *results)
{
	if (table->avx512)
		lookup6_bulk_avx512(table, keys, count, results);
	else
		lookup6_bulk(table, keys, count, results, index_find6, entry_find6);
}

uint32_t mrx_table_lookup4(const struct mrx_table *table, const struct mrx_table_key4 *key)
{
	const struct group_index *index = __atomic_load_n(&table->index4, __ATOMIC_ACQUIRE);
	uint32_t start = (uint32_t)(hash_group4(key->group, key->interface) >> index->shift) & ~3u;
	uint16_t hash_bits = 0;
	const struct entry *entry = NULL;
	uint64_t payload = index_find4(index, start, key->group, key->interface, &hash_bits);
	uint32_t verdict = payload_verdict_or_entry(payload, &entry);
	return verdict != UINT32_MAX ? verdict : entry_find4(entry, key->source);
}

uint32_t mrx_table_lookup6(const struct mrx_table *table, const struct mrx_table_key6 *key)
{
	const struct group_index *index = __atomic_load_n(&table->index6, __ATOMIC_ACQUIRE);
	uint32_t start = (uint32_t)(hash_group6(key->group, key->interface) >> index->shift) & ~1u;
	uint16_t hash_bits = 0;
	const struct entry *entry = NULL;
	uint64_t payload = index_find6(index, start, key->group, key->interface, &hash_bits);
	uint32_t verdict = payload_verdict_or_entry(payload, &entry);
	return verdict != UINT32_MAX ? verdict : entry_find6(entry, key->source);
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

static void entry_release(struct mrx_table *table, struct entry *entry)
{
	set_release(table, entry->other_set);
	for (uint32_t i = 0; i < entry->element_count; i++) {
		uint32_t set = !entry->is_ipv6	    ? elements4(entry)[i].set
			       : entry->hash_bits ? elements6(entry)[i].set
						  : short6_sets(entry)[i];
		if (set != 0)
			set_release(table, set);
	}
	free(entry);
}

static void deferred_free(void *context, void *element, unsigned int n)
{
	struct mrx_table *table = context;
	struct deferred *items = element;
	for (unsigned int k = 0; k < n; k++) {
		struct deferred *item = &items[k];
		switch (item->kind) {
		case DEFERRED_ENTRY:
			entry_release(table, item->pointer);
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

static uint64_t *slot_payload(const struct group_index *index, uint32_t i, uint16_t **hash_bits)
{
	if (is_ipv6_index(index)) {
		struct slot6 *slot = slot6_at(index, i);
		*hash_bits = &slot->hash_bits;
		return &slot->payload;
	}
	struct slot4 *slot = slot4_at(index, i);
	*hash_bits = &slot->hash_bits;
	return &slot->payload;
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
		uint16_t *old_bits, *new_bits;
		uint64_t payload = *slot_payload(old, i, &old_bits);
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
		uint64_t *p = slot_payload(index, j, &new_bits);
		*new_bits = *old_bits;
		*p = payload;
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
	uint64_t payload;
	uint16_t hash_bits;
	struct entry *entry;
	uint32_t direct_set;
};

static void compiled_release(struct mrx_table *table, struct compiled *c)
{
	if (c->entry != NULL)
		entry_release(table, c->entry);
	else
		set_release(table, c->direct_set);
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
	uint32_t *sockets = NULL, *listed_verdicts = NULL;
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
		out->direct_set = other_set;
		other_acquired = false;
		rc = 0;
		goto out;
	}

	/* the entry: a padded short list, or an open hash at most half full */
	uint32_t small_max = ipv4 ? SMALL4_MAX : SMALL6_MAX;
	uint32_t hash_bits = 0, elements = small_max;
	if (stored > small_max) {
		hash_bits = 1;
		while ((1u << hash_bits) < stored * 2)
			hash_bits++;
		elements = 1u << hash_bits;
	}
	size_t element_size = ipv4 ? sizeof(struct element4) : sizeof(struct element6);
	size_t size = RTE_ALIGN_CEIL(sizeof(struct entry) + element_size * elements, 64);
	if (!ipv4 && hash_bits == 0)
		size = sizeof(struct entry) + SHORT6_SOURCES + 16 * SMALL6_MAX;
	struct entry *entry = aligned_alloc(64, size);
	if (entry == NULL)
		goto release_listed;
	memset(entry, 0, size);
	entry->other_set = other_set;
	entry->hash_bits = (uint16_t)hash_bits;
	entry->hash_shift = 32 - hash_bits;
	entry->is_ipv6 = !ipv4;
	entry->element_count = elements;
	for (uint32_t s = 0; s < stored; s++) {
		uint32_t slot = s;
		if (hash_bits != 0) {
			slot = hash_source_any(ipv4, &sources[s]) >> entry->hash_shift;
			while ((ipv4 ? elements4(entry)[slot].set : elements6(entry)[slot].set) != 0)
				slot = (slot + 1) & (elements - 1);
		}
		if (ipv4) {
			struct element4 *e = (struct element4 *)entry->elements + slot;
			memcpy(&e->source, sources[s].bytes + 12, 4);
			e->set = listed_verdicts[s];
		} else if (hash_bits != 0) {
			struct element6 *e = (struct element6 *)entry->elements + slot;
			memcpy(e->source, sources[s].bytes, 16);
			e->set = listed_verdicts[s];
		} else {
			memcpy(entry->elements + SHORT6_SOURCES + 16 * slot, sources[s].bytes, 16);
			((uint32_t *)entry->elements)[slot] = listed_verdicts[s];
		}
	}
	if (hash_bits == 0) { /* pad with copies of element 0, taking references */
		for (uint32_t s = stored; s < elements; s++) {
			if (ipv4) {
				((struct element4 *)entry->elements)[s] = elements4(entry)[0];
			} else {
				memcpy(entry->elements + SHORT6_SOURCES + 16 * s,
				       entry->elements + SHORT6_SOURCES, 16);
				((uint32_t *)entry->elements)[s] = listed_verdicts[0];
			}
			if (listed_verdicts[0] >= MRX_TABLE_FIRST_SET)
				table->set_references[listed_verdicts[0]]++;
		}
	}
	out->entry = entry;
	out->payload = (uint64_t)(uintptr_t)entry;
	out->hash_bits = (uint16_t)hash_bits;
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
	uint16_t *hash_bits;
	uint64_t old = found ? *slot_payload(*published, i, &hash_bits) : SLOT_EMPTY;
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
		uint64_t *payload = slot_payload(*published, i, &hash_bits);
		__atomic_store_n(payload, (uint64_t)SLOT_TOMBSTONE, __ATOMIC_RELEASE);
		(*published)->used--;
		(*published)->tombstones++;
		__atomic_store_n(&table->group_count, table->group_count - 1, __ATOMIC_RELAXED);
		goto defer_old;
	}
	if (!found) {
		struct group_index *index = *published;
		if ((uint64_t)(index->used + index->tombstones + 1) * 4 > (uint64_t)index->capacity * 3) {
			rc = index_rebuild(table, published);
			if (rc != 0) {
				compiled_release(table, &compiled);
				return rc;
			}
			i = index_locate(*published, group->bytes, interface, &found);
		}
		slot_write_key(*published, i, group->bytes, interface);
	} else if (old == SLOT_TOMBSTONE) {
		(*published)->tombstones--;
	}
	uint64_t *payload = slot_payload(*published, i, &hash_bits);
	/* hash_bits is only read after a payload that is an entry; a reader that
	 * pairs the old entry with the new hash_bits would only prefetch the
	 * wrong line, and entry_find reads the entry's own copy. */
	*hash_bits = compiled.hash_bits;
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
	uint32_t capacity = 8;
	while (capacity < params->max_groups * 2)
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
		uint16_t *hash_bits;
		uint64_t payload = *slot_payload(index, i, &hash_bits);
		if (payload == SLOT_EMPTY || payload == SLOT_TOMBSTONE)
			continue;
		if ((payload & 3u) == SLOT_DIRECT_TAG)
			set_release(table, (uint32_t)(payload >> 32));
		else
			entry_release(table, (struct entry *)(uintptr_t)payload);
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
