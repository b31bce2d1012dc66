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

static void
iso(void)
{
	ok(parse_iso("1970-01-01T00:00:00Z") == 0, "the epoch");
	ok(parse_iso("2026-12-07T20:48:55Z") == 1796676535, "a time");
	ok(parse_iso("2024-02-29T23:59:59Z") == 1709251199, "a leap day");
	ok(parse_iso("2026-12-07T20:48:55") == (time_t)-1, "no Z");
	ok(parse_iso("2026-12-07T20:48:55Z ") == (time_t)-1, "a space after");
	ok(parse_iso("2026-12-07T20:48:55+01") == (time_t)-1, "an offset");
	ok(parse_iso("2026-12-07 20:48:55Z") == (time_t)-1, "no T");
	ok(parse_iso("2026-13-07T20:48:55Z") == (time_t)-1, "month 13");
	ok(parse_iso("2026-1-7T20:48:55Z") == (time_t)-1, "short fields");
	ok(parse_iso("2026-12-07") == (time_t)-1, "a date alone");
	ok(parse_iso("") == (time_t)-1 && parse_iso(NULL) == (time_t)-1,
	    "nothing");
}

int
main(void)
{
	detach();
	iso();
	return done_testing();
}
