/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the long-running tests (test_churn, test_flood, test_churn_load) and
 * the engine harness share: whether AddressSanitizer replaced malloc, the
 * C heap in use (to catch growth over a million calls), and a reproducible
 * random source (xorshift64*, seeded by each test).
 */
#ifndef MRX_TEST_MEMORY_RANDOM_H
#define MRX_TEST_MEMORY_RANDOM_H

#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define MRX_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MRX_TEST_ASAN 1
#endif
#endif

#ifdef MRX_TEST_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which gcc
 * does not always install): bytes the ASan allocator has handed out. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Bytes of C heap in use: mallinfo2, or ASan's allocator when ASan
 * replaces malloc. */
static inline size_t mrx_test_heap_in_use(void)
{
#ifdef MRX_TEST_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 info = mallinfo2();
	return info.uordblks + info.hblkhd;
#endif
}

/* xorshift64*: the next 64 random bits from *state (never 0). */
static inline uint64_t mrx_test_xorshift(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, bound) from *state. */
static inline uint32_t mrx_test_below(uint64_t *state, uint32_t bound)
{
	return (uint32_t)(((mrx_test_xorshift(state) >> 32) * bound) >> 32);
}

#endif
