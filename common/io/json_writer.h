/*
 * json_writer.h - the JSON writer behind every tool's output: NDJSON records,
 * CSV rows turned into objects, reject records, the 360-degree view.
 *
 * A thin layer over yajl_gen that appends compact JSON (no spaces, no
 * newline: the caller adds '\n' after each document) to a struct sbuf
 * the caller owns.  Escaping is yajl's: '"', '\\' and control bytes are
 * escaped ("\n", "\u0001"), '/' and non-ASCII UTF-8 are written as they
 * are.  The writer refuses what would make the output invalid JSON:
 * bytes that are not strict UTF-8 (overlong forms, surrogates, above
 * U+10FFFF), a NaN or infinite double, number text that is not a JSON
 * number, a value without its key in a map, a key outside a map, a
 * close that does not match the open, nesting past JW_MAXDEPTH, and a
 * second top-level value before jw_reset.  A refused call returns -1
 * and writes nothing, so the caller may go on (write null instead, say)
 * or jw_reset and drop the document.
 *
 *	struct sbuf line;
 *	struct jw w;
 *
 *	sb_init(&line);
 *	jw_init(&w, &line);
 *	for (each record) {
 *		jw_reset(&w);
 *		jw_map_open(&w);
 *		jw_key(&w, "email", 5);
 *		jw_strz(&w, email);
 *		jw_map_close(&w);
 *		sb_addc(&line, '\n');
 *		fwrite(line.buf, 1, line.len, stdout);
 *	}
 *	jw_release(&w);
 *	sb_release(&line);
 */
#ifndef CDP_JSON_WRITER_H
#define CDP_JSON_WRITER_H

#include <stddef.h>

#include "core/util.h"

/* Deepest nesting of maps and arrays (yajl_gen's YAJL_MAX_DEPTH - 1). */
#define JW_MAXDEPTH	127

struct yajl_gen_t;

struct jw {
	struct yajl_gen_t *gen;	/* yajl's generator, printing into out */
	struct sbuf *out;	/* the caller's buffer; jw appends to it */
	int	 depth;		/* maps/arrays open */
	int	 keyed;		/* innermost map has a key awaiting its value */
	char	 kind[JW_MAXDEPTH];	/* 'm' or 'a' for each open level */
};

/*
 * Start writing into out, which must be initialised and stays the
 * caller's: jw_release does not release it.  Dies on out of memory, as
 * xmalloc does.
 */
void	jw_init(struct jw *, struct sbuf *out);
void	jw_release(struct jw *);

/*
 * Empty out and forget any document in progress, ready for the next
 * one.  Needed between documents: after a complete top-level value the
 * writer refuses more.
 */
void	jw_reset(struct jw *);

/*
 * Each returns 0, or -1 when the call was refused (see above) and
 * nothing was written.
 */
int	jw_map_open(struct jw *);
int	jw_map_close(struct jw *);
int	jw_array_open(struct jw *);
int	jw_array_close(struct jw *);

/* A map key: s[0..n), UTF-8, may hold NUL bytes (written as \u0000). */
int	jw_key(struct jw *, const char *s, size_t n);

/* A string value s[0..n), UTF-8; jw_strz writes null for NULL. */
int	jw_str(struct jw *, const char *s, size_t n);
int	jw_strz(struct jw *, const char *s);

int	jw_int(struct jw *, long long);

/*
 * A number written as given, so "1e999", "-0" and 30-digit integers
 * pass through unchanged (nd hands numbers over as text).  text[0..n)
 * must match the JSON number grammar: no '+', no leading zeros, no
 * "NaN", no surrounding spaces.
 */
int	jw_num(struct jw *, const char *text, size_t n);

/*
 * A finite double in the shortest of %.15g, %.16g and %.17g that reads
 * back as the same double: 0.1 gives "0.1", 3.0 gives "3".
 */
int	jw_double(struct jw *, double);

int	jw_bool(struct jw *, int);
int	jw_null(struct jw *);

#endif
