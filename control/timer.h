/* SPDX-License-Identifier: BSD-3-Clause
 * Timers on a hashed wheel (Varghese & Lauck): 1 ms slots, 1024 of them; a
 * timer further away than one turn waits in its slot for its turn. The wheel
 * runs on the engine caller's clock (ns); nothing here reads a clock.
 *
 * Timers are embedded in their owners (interface, group) and fire a callback
 * with the timer pointer (use container_of to reach the owner). Timers due at
 * the same time fire in the order they were armed. */
#ifndef MRX_TIMER_H
#define MRX_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MRX_TIMER_SLOTS 1024u
#define MRX_TIMER_NS_PER_SLOT 1000000ull

#define mrx_container_of(pointer, type, member) \
	((type *)(void *)((char *)(pointer) - offsetof(type, member)))

struct mrx_timer;
typedef void (*mrx_timer_fn)(struct mrx_timer *timer, uint64_t now_ns);

struct mrx_timer {
	struct mrx_timer *next;
	struct mrx_timer *previous;
	uint64_t expiry_ns;
	uint64_t sequence; /* arming order, for ties */
	mrx_timer_fn fire;
	bool armed;
};

struct mrx_timer_wheel {
	struct mrx_timer *slots[MRX_TIMER_SLOTS];
	uint64_t last_run_ns; /* every timer due at or before this has fired */
	uint64_t next_sequence;
	uint32_t armed_count;
};

void mrx_timer_wheel_init(struct mrx_timer_wheel *wheel, uint64_t now_ns);
void mrx_timer_init(struct mrx_timer *timer, mrx_timer_fn fire);

/* Arm (or re-arm) to fire at expiry_ns, earlier or later than before. */
void mrx_timer_arm(struct mrx_timer_wheel *wheel, struct mrx_timer *timer, uint64_t expiry_ns);

/* Arm unless already armed to fire at or before expiry_ns: a timer that
 * would fire earlier is never pushed later. Returns the expiry in force. */
uint64_t mrx_timer_arm_no_later(struct mrx_timer_wheel *wheel, struct mrx_timer *timer,
				uint64_t expiry_ns);

void mrx_timer_cancel(struct mrx_timer_wheel *wheel, struct mrx_timer *timer);

/* Earliest expiry of an armed timer, UINT64_MAX if none. */
uint64_t mrx_timer_next_expiry(const struct mrx_timer_wheel *wheel);

/* Fire every timer due at or before now_ns, in (expiry, arming) order,
 * including timers armed by callbacks that are already due. */
void mrx_timer_run(struct mrx_timer_wheel *wheel, uint64_t now_ns);

#endif
