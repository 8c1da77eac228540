/* SPDX-License-Identifier: BSD-3-Clause */
#include "timer.h"

void mrx_timer_wheel_init(struct mrx_timer_wheel *wheel, uint64_t now_ns)
{
	for (uint32_t i = 0; i < MRX_TIMER_SLOTS; i++)
		wheel->slots[i] = NULL;
	wheel->last_run_ns = now_ns;
	wheel->next_sequence = 0;
	wheel->armed_count = 0;
}

void mrx_timer_init(struct mrx_timer *timer, mrx_timer_fn fire)
{
	timer->next = timer->previous = NULL;
	timer->expiry_ns = 0;
	timer->sequence = 0;
	timer->fire = fire;
	timer->armed = false;
}

static uint32_t slot_of(const struct mrx_timer_wheel *wheel, uint64_t expiry_ns)
{
	/* A timer already due sits in the slot the next run looks at first. */
	uint64_t at = expiry_ns > wheel->last_run_ns ? expiry_ns : wheel->last_run_ns;
	return (uint32_t)((at / MRX_TIMER_NS_PER_SLOT) % MRX_TIMER_SLOTS);
}

static void unlink_timer(struct mrx_timer_wheel *wheel, struct mrx_timer *timer)
{
	if (timer->previous)
		timer->previous->next = timer->next;
	else
		wheel->slots[slot_of(wheel, timer->expiry_ns)] = timer->next;
	if (timer->next)
		timer->next->previous = timer->previous;
	timer->next = timer->previous = NULL;
	timer->armed = false;
	wheel->armed_count--;
}

void mrx_timer_cancel(struct mrx_timer_wheel *wheel, struct mrx_timer *timer)
{
	if (timer->armed)
		unlink_timer(wheel, timer);
}

void mrx_timer_arm(struct mrx_timer_wheel *wheel, struct mrx_timer *timer, uint64_t expiry_ns)
{
	mrx_timer_cancel(wheel, timer);
	timer->expiry_ns = expiry_ns;
	timer->sequence = wheel->next_sequence++;
	uint32_t slot = slot_of(wheel, expiry_ns);
	timer->previous = NULL;
	timer->next = wheel->slots[slot];
	if (timer->next)
		timer->next->previous = timer;
	wheel->slots[slot] = timer;
	timer->armed = true;
	wheel->armed_count++;
}

uint64_t mrx_timer_arm_no_later(struct mrx_timer_wheel *wheel, struct mrx_timer *timer,
				uint64_t expiry_ns)
{
	if (timer->armed && timer->expiry_ns <= expiry_ns)
		return timer->expiry_ns;
	mrx_timer_arm(wheel, timer, expiry_ns);
	return expiry_ns;
}

uint64_t mrx_timer_next_expiry(const struct mrx_timer_wheel *wheel)
{
	if (wheel->armed_count == 0)
		return UINT64_MAX;
	/* Walk one turn from the last run: the first slot holding a timer of
	 * this turn has the answer. Timers of later turns are the minimum only
	 * if no slot holds one of this turn. */
	uint64_t start_slot = wheel->last_run_ns / MRX_TIMER_NS_PER_SLOT;
	uint64_t turn_end_ns = (start_slot + MRX_TIMER_SLOTS) * MRX_TIMER_NS_PER_SLOT;
	uint64_t best = UINT64_MAX;
	for (uint32_t step = 0; step < MRX_TIMER_SLOTS; step++) {
		uint32_t slot = (uint32_t)((start_slot + step) % MRX_TIMER_SLOTS);
		for (const struct mrx_timer *t = wheel->slots[slot]; t; t = t->next)
			if (t->expiry_ns < best)
				best = t->expiry_ns;
		/* Slots are visited in time order: once a timer of this turn is
		 * found in a visited slot, no later slot holds an earlier one. */
		if (best < (start_slot + step + 1) * MRX_TIMER_NS_PER_SLOT && best < turn_end_ns)
			return best;
	}
	return best;
}

/* Insert into a list sorted by (expiry, sequence). */
static void insert_sorted(struct mrx_timer **list, struct mrx_timer *timer)
{
	while (*list && ((*list)->expiry_ns < timer->expiry_ns ||
			 ((*list)->expiry_ns == timer->expiry_ns && (*list)->sequence < timer->sequence)))
		list = &(*list)->next;
	timer->next = *list;
	*list = timer;
}

void mrx_timer_run(struct mrx_timer_wheel *wheel, uint64_t now_ns)
{
	for (;;) {
		uint64_t next = mrx_timer_next_expiry(wheel);
		if (next > now_ns)
			break;
		/* Collect every timer due at exactly the earliest expiry, so that
		 * callbacks see the clock at their own time, in arming order. */
		struct mrx_timer *due = NULL;
		uint32_t slot = slot_of(wheel, next);
		struct mrx_timer *t = wheel->slots[slot];
		while (t) {
			struct mrx_timer *following = t->next;
			if (t->expiry_ns == next) {
				unlink_timer(wheel, t);
				insert_sorted(&due, t);
			}
			t = following;
		}
		if (next > wheel->last_run_ns)
			wheel->last_run_ns = next;
		while (due) {
			struct mrx_timer *timer = due;
			due = timer->next;
			timer->next = NULL;
			timer->fire(timer, next);
		}
	}
	if (now_ns > wheel->last_run_ns)
		wheel->last_run_ns = now_ns;
}
