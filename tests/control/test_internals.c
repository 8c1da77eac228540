/* SPDX-License-Identifier: BSD-3-Clause
 * White-box tests of the control plane's building blocks: the timer wheel,
 * the (interface, address) map, source sets and address classification.
 * Each randomized test checks against a plain reference model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "map.h"
#include "source_set.h"
#include "timer.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* ---- timer wheel ---- */

#define TIMERS 64
struct fired_log {
	int order[4096];
	uint64_t at[4096];
	int count;
};
static struct fired_log fired;
static struct mrx_timer timers[TIMERS];

static void record_fire(struct mrx_timer *timer, uint64_t now_ns)
{
	fired.order[fired.count] = (int)(timer - timers);
	fired.at[fired.count] = now_ns;
	fired.count++;
}

static void test_timer_fires_in_order_at_exact_time(void **state)
{
	(void)state;
	struct mrx_timer_wheel wheel;
	mrx_timer_wheel_init(&wheel, 0);
	memset(&fired, 0, sizeof(fired));
	uint64_t ms = MRX_TIMER_NS_PER_SLOT;
	for (int i = 0; i < 5; i++)
		mrx_timer_init(&timers[i], record_fire);
	mrx_timer_arm(&wheel, &timers[0], 30 * ms);
	mrx_timer_arm(&wheel, &timers[1], 10 * ms + 5);
	mrx_timer_arm(&wheel, &timers[2], 5000 * ms); /* beyond one turn */
	mrx_timer_arm(&wheel, &timers[3], 10 * ms + 5); /* tie: after timer 1 */
	mrx_timer_arm(&wheel, &timers[4], 1030 * ms); /* same slot as 6 ms next turn */
	assert_int_equal(mrx_timer_next_expiry(&wheel), 10 * ms + 5);
	mrx_timer_run(&wheel, 10 * ms);
	assert_int_equal(fired.count, 0);
	mrx_timer_run(&wheel, 40 * ms);
	assert_int_equal(fired.count, 3);
	assert_int_equal(fired.order[0], 1);
	assert_int_equal(fired.order[1], 3);
	assert_int_equal(fired.order[2], 0);
	assert_int_equal(fired.at[0], 10 * ms + 5);
	assert_int_equal(fired.at[2], 30 * ms);
	assert_int_equal(mrx_timer_next_expiry(&wheel), 1030 * ms);
	mrx_timer_run(&wheel, 4999 * ms);
	assert_int_equal(fired.count, 4);
	assert_int_equal(fired.at[3], 1030 * ms);
	assert_int_equal(mrx_timer_next_expiry(&wheel), 5000 * ms);
	mrx_timer_run(&wheel, 6000 * ms);
	assert_int_equal(fired.count, 5);
	assert_int_equal(fired.order[4], 2);
	assert_int_equal(mrx_timer_next_expiry(&wheel), UINT64_MAX);
}

static void test_timer_never_pushed_later(void **state)
{
	(void)state;
	struct mrx_timer_wheel wheel;
	mrx_timer_wheel_init(&wheel, 0);
	mrx_timer_init(&timers[0], record_fire);
	assert_int_equal(mrx_timer_arm_no_later(&wheel, &timers[0], 500), 500);
	assert_int_equal(mrx_timer_arm_no_later(&wheel, &timers[0], 900), 500);
	assert_int_equal(timers[0].expiry_ns, 500);
	assert_int_equal(mrx_timer_arm_no_later(&wheel, &timers[0], 100), 100);
	assert_int_equal(mrx_timer_next_expiry(&wheel), 100);
	mrx_timer_cancel(&wheel, &timers[0]);
	assert_false(timers[0].armed);
	assert_int_equal(mrx_timer_next_expiry(&wheel), UINT64_MAX);
}

/* Random arm / cancel / run against a brute-force model. */
static void test_timer_random_against_model(void **state)
{
	(void)state;
	struct mrx_timer_wheel wheel;
	uint64_t model[TIMERS]; /* UINT64_MAX: not armed */
	uint64_t now = 0;
	mrx_timer_wheel_init(&wheel, 0);
	for (int i = 0; i < TIMERS; i++) {
		mrx_timer_init(&timers[i], record_fire);
		model[i] = UINT64_MAX;
	}
	for (int step = 0; step < 20000; step++) {
		int i = (int)(rng() % TIMERS);
		uint32_t what = rng() % 10;
		if (what < 5) {
			/* Mostly near, sometimes several turns away. */
			uint64_t delay = rng() % 8 == 0 ? rng() % 5000000000ull : rng() % 50000000ull;
			mrx_timer_arm(&wheel, &timers[i], now + delay);
			model[i] = now + delay;
		} else if (what < 6) {
			mrx_timer_cancel(&wheel, &timers[i]);
			model[i] = UINT64_MAX;
		} else {
			uint64_t expected = UINT64_MAX;
			for (int t = 0; t < TIMERS; t++)
				if (model[t] < expected)
					expected = model[t];
			assert_int_equal(mrx_timer_next_expiry(&wheel), expected);
			now += rng() % 30000000ull;
			fired.count = 0;
			mrx_timer_run(&wheel, now);
			int due = 0;
			for (int t = 0; t < TIMERS; t++)
				if (model[t] <= now)
					due++;
			assert_int_equal(fired.count, due);
			for (int f = 0; f < fired.count; f++) {
				assert_int_equal(fired.at[f], model[fired.order[f]]);
				if (f)
					assert_true(fired.at[f - 1] <= fired.at[f]);
				model[fired.order[f]] = UINT64_MAX;
			}
		}
	}
}

/* ---- map ---- */

static struct mrx_addr address_of(uint32_t n)
{
	struct mrx_addr a;
	memset(&a, 0, sizeof(a));
	a.bytes[0] = 0xff;
	a.bytes[1] = 0x0e;
	memcpy(&a.bytes[12], &n, 4);
	return a;
}

static void test_map_random_against_model(void **state)
{
	(void)state;
	enum { KEYS = 700 };
	static int values[KEYS];
	static bool present[KEYS];
	struct mrx_map map;
	mrx_map_init(&map);
	uint32_t count = 0;
	for (int step = 0; step < 100000; step++) {
		uint32_t k = rng() % KEYS;
		struct mrx_addr a = address_of(k / 2);
		uint32_t ifindex = k % 2 + 1; /* same address on two interfaces */
		uint32_t what = rng() % 3;
		if (what == 0) {
			assert_int_equal(mrx_map_put(&map, ifindex, &a, &values[k]), 0);
			if (!present[k])
				count++;
			present[k] = true;
		} else if (what == 1) {
			void *removed = mrx_map_remove(&map, ifindex, &a);
			assert_ptr_equal(removed, present[k] ? &values[k] : NULL);
			if (present[k])
				count--;
			present[k] = false;
		} else {
			assert_ptr_equal(mrx_map_get(&map, ifindex, &a), present[k] ? &values[k] : NULL);
		}
		assert_int_equal(map.count, count);
	}
	/* Every present key is reachable by iteration exactly once. */
	uint32_t seen = 0;
	void *v;
	for (uint32_t cursor = 0; (v = mrx_map_next(&map, &cursor));) {
		int k = (int)((int *)v - values);
		assert_true(present[k]);
		seen++;
	}
	assert_int_equal(seen, count);
	mrx_map_free(&map);
}

/* ---- source sets ---- */

static void test_source_set_assign_sorts_and_deduplicates(void **state)
{
	(void)state;
	struct mrx_addr input[6] = {address_of(5), address_of(1), address_of(5),
				    address_of(3), address_of(1), address_of(9)};
	struct mrx_source_set set;
	mrx_source_set_init(&set);
	assert_int_equal(mrx_source_set_assign(&set, input, 6), 0);
	assert_int_equal(set.count, 4);
	for (uint32_t i = 1; i < set.count; i++)
		assert_true(mrx_addr_compare(&set.items[i - 1], &set.items[i]) < 0);
	assert_true(mrx_source_set_contains(&set, &input[3]));
	struct mrx_addr absent = address_of(4);
	assert_false(mrx_source_set_contains(&set, &absent));
	assert_int_equal(mrx_source_set_insert(&set, &absent), 0);
	assert_int_equal(mrx_source_set_insert(&set, &absent), 0);
	assert_int_equal(set.count, 5);
	assert_true(mrx_source_set_remove(&set, &absent));
	assert_false(mrx_source_set_remove(&set, &absent));
	assert_int_equal(set.count, 4);
	struct mrx_source_set copy;
	mrx_source_set_init(&copy);
	assert_int_equal(mrx_source_set_copy(&copy, &set), 0);
	assert_true(mrx_source_set_equal(&copy, &set));
	mrx_source_set_free(&copy);
	mrx_source_set_free(&set);
}

/* ---- addresses ---- */

static struct mrx_addr parse(const char *text)
{
	struct mrx_addr a;
	assert_int_equal(mrx_addr_parse(&a, text), 0);
	return a;
}

static void test_address_classes(void **state)
{
	(void)state;
	struct {
		const char *text;
		bool group4, group6, source4, source6, ssm, never_reported;
	} cases[] = {
		{"224.0.0.1", true, false, false, false, false, true},
		{"224.0.0.22", true, false, false, false, false, false},
		{"239.255.255.255", true, false, false, false, false, false},
		{"232.1.1.1", true, false, false, false, true, false},
		{"10.0.0.1", false, false, true, false, false, false},
		{"0.0.0.0", false, false, false, false, false, false},
		{"255.255.255.255", false, false, false, false, false, false},
		{"127.0.0.1", false, false, false, false, false, false},
		{"ff02::1", false, true, false, false, false, true},
		{"ff01::5", false, true, false, false, false, true},
		{"ff00::5", false, false, false, false, false, false},
		{"ff10::5", false, false, false, false, false, false},
		{"ff3e::8000:1", false, true, false, false, true, false},
		{"ff3e:0:1::1", false, true, false, false, true, false},
		{"ff3e:1::1", false, true, false, false, false, false},
		{"ff0e::1", false, true, false, false, false, false},
		{"2001:db8::1", false, false, false, true, false, false},
		{"fe80::1", false, false, false, true, false, false},
		{"::", false, false, false, false, false, false},
		{"::1", false, false, false, false, false, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mrx_addr a = parse(cases[i].text);
		char text[64];
		assert_string_equal(mrx_addr_format(&a, text, sizeof(text)), cases[i].text);
		assert_int_equal(mrx_addr_is_valid_group(&a, AF_INET), cases[i].group4);
		assert_int_equal(mrx_addr_is_valid_group(&a, AF_INET6), cases[i].group6);
		assert_int_equal(mrx_addr_is_valid_source(&a, AF_INET), cases[i].source4);
		assert_int_equal(mrx_addr_is_valid_source(&a, AF_INET6), cases[i].source6);
		if (cases[i].group4 || cases[i].group6) {
			assert_int_equal(mrx_addr_is_ssm(&a), cases[i].ssm);
			assert_int_equal(mrx_addr_is_never_reported(&a), cases[i].never_reported);
		}
	}
	struct mrx_addr bad;
	assert_int_equal(mrx_addr_parse(&bad, "300.1.1.1"), -EINVAL);
	assert_int_equal(mrx_addr_parse(&bad, "not an address"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_fires_in_order_at_exact_time),
		cmocka_unit_test(test_timer_never_pushed_later),
		cmocka_unit_test(test_timer_random_against_model),
		cmocka_unit_test(test_map_random_against_model),
		cmocka_unit_test(test_source_set_assign_sorts_and_deduplicates),
		cmocka_unit_test(test_address_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
