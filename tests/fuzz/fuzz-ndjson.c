/*
 * fuzz-ndjson.c - the NDJSON line parser (common/io/ndjson_reader.c) and the JSON
 * writer (common/io/json_writer.c) against each other.
 *
 * fuzz-sources: core/util io/ndjson_reader io/json_writer
 * fuzz-options: -max_len=16384
 *
 * The first byte sets the depth limit (1 to 80); the rest is cut into
 * lines, each given to nd_parse.  Checked: a rejected line has a reason,
 * an accepted one nests no deeper than the limit, and one rejected for
 * its nesting does nest deeper; the strings and paths reported are
 * valid UTF-8 and NUL-terminated at their length.  Then the
 * round trip: the values of an accepted line are written with jw as one
 * flat object, {"<path>": <value>, ...} (maps and arrays as {} and []),
 * which jw must accept (every string nd hands out is valid UTF-8, every
 * number is JSON number text) and which nd_parse must read back as the
 * very same sequence of paths, types and values, byte for byte, NUL
 * bytes from "\u0000" included.
 */
#include "io/json_writer.h"
#include "io/ndjson_reader.h"
#include "fuzz.h"

/* The values of one line, serialised as "type pathlen path vallen val". */
struct fz_nd_seen {
	struct sbuf ev;
	size_t	 n;
};

static int
fz_nd_visit(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	struct fz_nd_seen *s = arg;

	FZ_CHECK(path[pathlen] == '\0', "path not terminated");
	FZ_CHECK((val == NULL) == (type == ND_MAP || type == ND_ARRAY),
	    "value pointer for type %d", type);
	if (val != NULL)
		FZ_CHECK(utf8_check(val, len) < 0, "invalid UTF-8 in a value");
	FZ_CHECK(utf8_check(path, pathlen) < 0, "invalid UTF-8 in a path");
	sb_addf(&s->ev, "%d %zu ", (int)type, pathlen);
	sb_add(&s->ev, path, pathlen);
	sb_addf(&s->ev, " %zu ", len);
	if (val != NULL)
		sb_add(&s->ev, val, len);
	sb_addc(&s->ev, '\n');
	s->n++;
	return 0;
}

/* Write one serialised event as "path": value; -1 if jw refused it. */
static int
fz_nd_write(struct jw *w, const char **pp)
{
	const char *p = *pp, *path, *val;
	size_t plen, vlen;
	int type, r = 0;
	char *end;

	type = (int)strtol(p, &end, 10);
	plen = strtoul(end + 1, &end, 10);
	path = end + 1;
	vlen = strtoul(path + plen + 1, &end, 10);
	val = end + 1;
	*pp = val + vlen + 1;
	r |= jw_key(w, path, plen);
	switch (type) {
	case ND_NULL:
		r |= jw_null(w);
		break;
	case ND_BOOL:
		r |= jw_bool(w, vlen == 4);
		break;
	case ND_NUMBER:
		r |= jw_num(w, val, vlen);
		break;
	case ND_STRING:
		r |= jw_str(w, val, vlen);
		break;
	case ND_MAP:
		r |= jw_map_open(w);
		r |= jw_map_close(w);
		break;
	case ND_ARRAY:
		r |= jw_array_open(w);
		r |= jw_array_close(w);
		break;
	default:
		fz_fail("type %d", type);
	}
	return r;
}

/* Deepest nesting of the JSON text s[0..n), counting outside strings. */
static int
fz_nd_depth(const char *s, size_t n)
{
	size_t i;
	int d = 0, deepest = 0, instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"')
			instr = 1;
		else if (s[i] == '{' || s[i] == '[') {
			if (++d > deepest)
				deepest = d;
		} else if (s[i] == '}' || s[i] == ']')
			d--;
	}
	return deepest;
}

static void
fz_nd_line(struct nd *nd, struct nd *flatnd, struct jw *w, struct sbuf *out,
    const char *line, size_t len, int maxdepth)
{
	struct fz_nd_seen a, b;
	struct sbuf why;
	const char *p;
	size_t i;
	int r;

	sb_init(&why);
	memset(&a, 0, sizeof(a));
	sb_init(&a.ev);
	r = nd_parse(nd, line, len, fz_nd_visit, &a, &why);
	FZ_CHECK(r == 0 || r == -1, "nd_parse gave %d", r);
	if (r == -1) {
		FZ_CHECK(why.len > 0, "a rejected line without a reason");
		if (strncmp(why.buf, "nesting deeper", 14) == 0)
			FZ_CHECK(fz_nd_depth(line, len) > maxdepth, "rejected "
			    "for nesting %d deep, limit %d",
			    fz_nd_depth(line, len), maxdepth);
		goto out;
	}
	FZ_CHECK(fz_nd_depth(line, len) <= maxdepth, "accepted nesting %d "
	    "deep, limit %d", fz_nd_depth(line, len), maxdepth);
	FZ_CHECK(why.len == 0, "an accepted line with a reason: %s", why.buf);
	/* The flat object. */
	jw_reset(w);
	FZ_CHECK(jw_map_open(w) == 0, "jw_map_open");
	for (p = a.ev.buf, i = 0; i < a.n; i++)
		FZ_CHECK(fz_nd_write(w, &p) == 0, "jw refused value %zu of "
		    "an accepted line", i);
	FZ_CHECK(jw_map_close(w) == 0, "jw_map_close");
	FZ_CHECK(utf8_check(out->buf, out->len) < 0, "jw wrote bad UTF-8");
	memset(&b, 0, sizeof(b));
	sb_init(&b.ev);
	r = nd_parse(flatnd, out->buf, out->len, fz_nd_visit, &b, &why);
	FZ_CHECK(r == 0, "jw's output rejected: %s", why.buf);
	FZ_CHECK(a.n == b.n && a.ev.len == b.ev.len &&
	    memcmp(a.ev.buf, b.ev.buf, a.ev.len) == 0,
	    "values changed by a round trip");
	sb_release(&b.ev);
out:
	sb_release(&a.ev);
	sb_release(&why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int maxdepth = 1 + (int)(fz_byte(&data, &size) % 80);
	struct nd *nd = nd_new(maxdepth), *flatnd = nd_new(2);
	const char *p = (const char *)data, *end = p + size, *nl;
	struct sbuf out;
	struct jw w;

	sb_init(&out);
	jw_init(&w, &out);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		fz_nd_line(nd, flatnd, &w, &out, p, (size_t)(nl - p),
		    maxdepth);
		p = nl + 1;
	}
	jw_release(&w);
	sb_release(&out);
	nd_free(nd);
	nd_free(flatnd);
	return 0;
}
