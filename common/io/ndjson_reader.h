/*
 * ndjson_reader.h - NDJSON line parser on yajl's streaming (event) API.
 *
 * One line, one JSON object.  The tree API of yajl recurses and would
 * crash on deep nesting, so this walks the event stream with its own
 * depth limit and reports each value with its dotted path to a visitor:
 * {"customer":{"email":"a@b.fr"},"items":[{"sku":"X1"}]} yields
 * "customer" (ND_MAP), "customer.email" (ND_STRING "a@b.fr"), "items"
 * (ND_ARRAY), "items.0" (ND_MAP), "items.0.sku" (ND_STRING "X1").
 * Scalars arrive as their JSON text (numbers as written, "true",
 * "false", "null"); strings unescaped, as UTF-8.
 * The top-level object itself is not reported.  Keys are used as they
 * are: a key holding a '.' gives a path with that dot in it; duplicate
 * keys are each reported, in order.  "\u0000" gives a NUL byte inside
 * val (len counts it).  A "\u" escape of a UTF-16 surrogate must be
 * half of a high-low pair; an unpaired one rejects the line (yajl alone
 * would turn it into '?' or invalid UTF-8).
 *
 * A line is rejected (-1, a reason in why) when it holds a NUL byte,
 * invalid UTF-8, malformed JSON, a top-level value that is not an object,
 * trailing content after the object, or nesting deeper than the limit.
 * Reasons name the 1-based byte column of the line as given where
 * useful:
 * "invalid JSON at column 17: invalid char in json text" (yajl's
 * message), "invalid JSON at column 6: premature EOF",
 * "invalid JSON at column 9: unpaired UTF-16 surrogate escape",
 * "trailing content after the object at column 3",
 * "nesting deeper than 64 levels", "top-level value is not an object",
 * "NUL byte at column 5", "invalid UTF-8 at column 9", "empty line".
 * The visitor sees the values before the point where a line turns out
 * bad, so a caller that stores values must drop them when nd_parse
 * returns -1.
 */
#ifndef CDP_NDJSON_READER_H
#define CDP_NDJSON_READER_H

#include <stddef.h>

#include "core/util.h"

enum nd_type {
	ND_NULL, ND_BOOL, ND_NUMBER, ND_STRING, ND_MAP, ND_ARRAY
};

/*
 * Called once per value in document order, maps and arrays included
 * (with val NULL, len 0) before their members.  path is NUL-terminated;
 * path and val are only valid during the call.  A non-zero return stops
 * the parse, and nd_parse returns that value.
 */
typedef int (*nd_visit_fn)(void *arg, const char *path, size_t pathlen,
    enum nd_type type, const char *val, size_t len);

struct nd;

/*
 * maxdepth is the most maps and arrays open at once, the top-level
 * object included (1 allows only a flat object; below 1 counts as 1).
 * Memory stays bounded by it whatever the input's depth.
 */
struct nd *nd_new(int maxdepth);
void	nd_free(struct nd *);

/*
 * Parse line[0..len) (without its newline; a trailing '\r' and
 * surrounding whitespace are allowed).  Returns 0 when the line is one
 * valid object, -1 when it is rejected (why says why), or the visitor's
 * non-zero return.  visit may be NULL to only validate; why may be
 * NULL, and is emptied first otherwise.
 */
int	nd_parse(struct nd *, const char *line, size_t len, nd_visit_fn visit,
	    void *arg, struct sbuf *why);

#endif
