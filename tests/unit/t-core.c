/*
 * t-core.c - core/util: the string buffer's life cycle (sb_detach leaves
 * an empty buffer that holds no allocation, and may be used again or
 * dropped), and the ISO 8601 times the store writes read back.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tap.h"

static void
detach(void)
{
	struct sbuf sb;
	char *p, *q;

	sb_init(&sb);
	sb_adds(&sb, "abc");
	p = sb_detach(&sb);
	is_str(p, "abc", "sb_detach hands over the contents");
	ok(sb.cap == 0 && sb.len == 0, "and leaves no allocation behind");
	is_str(sb.buf, "", "the buffer left reads as empty");
	sb_reset(&sb);
	is_str(sb.buf, "", "reset of a detached buffer: still empty");
	q = sb_detach(&sb);
	is_str(q, "", "detached twice: an empty string of the caller's");
	free(q);
	sb_addf(&sb, "%s-%d", "x", 7);
	is_str(sb.buf, "x-7", "sb_addf after sb_detach allocates again");
	ok(sb.len == 3 && sb.cap >= 4, "with its length and room");
	sb_addc(&sb, '!');
	sb_add(&sb, "?", 1);
	is_str(sb.buf, "x-7!?", "and grows as a fresh one");
	free(p);
	p = sb_detach(&sb);
	is_str(p, "x-7!?", "detached again");
	free(p);
	sb_addf(&sb, "%s", "");
	is_str(sb.buf, "", "an empty sb_addf on a detached buffer");
	sb_release(&sb);
	ok(sb.buf == NULL && sb.cap == 0, "released");
	sb_adds(&sb, "after release");
	is_str(sb.buf, "after release", "a released buffer grows again");
	sb_release(&sb);
	/* Detached and never used again: nothing to release (LSan). */
	sb_init(&sb);
	sb_adds(&sb, "dropped");
	free(sb_detach(&sb));
}

int
main(void)
{
	detach();
	return done_testing();
}
