/*
 * fuzz-map.c - map files and mappings (common/normalise/field_map.c).
 *
 * fuzz-sources: core/util normalise/field_map
 * fuzz-options: -max_len=4096
 *
 * The input is given three ways.  As a map file: map_load on a memory
 * file holding the bytes; when it loads, map_format's text must load
 * again into a fresh map and format to the same text (what the source
 * table records is a map file that means the same).  As -m options:
 * map_add on each line, the same round trip for what was accepted.
 * As field names: map_auto on the lines (a CSV header's names), which
 * may only add entries for canonical fields not mapped yet, each at
 * most once, and map_drop_auto must take exactly those away again.
 * A refused line must say why; nothing may leak.
 */
#include <fcntl.h>

#include "normalise/field_map.h"
#include "fuzz.h"

/* Load text as a map file into m; 0, or -1 with why set. */
static int
fz_map_load_text(struct map *m, const char *text, size_t n, struct sbuf *why)
{
	char path[64];
	int fd = fz_memfd(text, n), r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = map_load(m, path, why);
	close(fd);
	return r;
}

/* map_format of m must survive being loaded and formatted again. */
static void
fz_map_roundtrip(const struct map *m, const char *what)
{
	struct sbuf t1, t2, why;
	struct map m2;

	sb_init(&t1);
	sb_init(&t2);
	sb_init(&why);
	map_init(&m2);
	map_format(m, &t1);
	FZ_CHECK(fz_map_load_text(&m2, t1.buf, t1.len, &why) == 0,
	    "%s: formatted map does not load: %s\n%s", what, why.buf, t1.buf);
	map_format(&m2, &t2);
	FZ_CHECK(t1.len == t2.len && memcmp(t1.buf, t2.buf, t1.len) == 0,
	    "%s: map changed by a round trip:\n%s--- became ---\n%s", what,
	    t1.buf, t2.buf);
	map_release(&m2);
	sb_release(&t1);
	sb_release(&t2);
	sb_release(&why);
}

static size_t
fz_map_count(const struct map *m, int automatic)
{
	size_t i, k = 0;

	for (i = 0; i < m->n; i++)
		k += m->e[i].automatic == automatic;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct sbuf why, before, after;
	struct map m;
	char **names = NULL;
	size_t nnames = 0, i, j, added;
	int r;

	sb_init(&why);
	sb_init(&before);
	sb_init(&after);

	/* 1. A map file. */
	map_init(&m);
	r = fz_map_load_text(&m, p, size, &why);
	if (r == 0)
		fz_map_roundtrip(&m, "map_load");
	else
		FZ_CHECK(why.len > 0, "map_load failed without a reason");
	map_release(&m);

	/* 2. Each line as a -m option; 3. each line as a field name. */
	map_init(&m);
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		names = realloc(names, (nnames + 1) * sizeof(*names));
		if (names == NULL)
			abort();
		names[nnames++] = xstrndup(p, (size_t)(nl - p));
		p = nl + 1;
	}
	for (i = 0; i < nnames; i++) {
		sb_reset(&why);
		if (map_add(&m, names[i], &why) == -1)
			FZ_CHECK(why.len > 0, "map_add failed without a reason");
	}
	/*
	 * A -m value is one argument and may end in a CR, which a map
	 * file line cannot carry; other maps must round-trip.
	 */
	for (r = 1, i = 0; i < m.n; i++) {
		const char *v = m.e[i].value ? m.e[i].value : m.e[i].field;

		if (strchr(v, '\r') != NULL)
			r = 0;
	}
	if (r)
		fz_map_roundtrip(&m, "map_add");

	sb_reset(&before);
	map_format(&m, &before);
	j = m.n;
	added = map_auto(&m, names, nnames);
	FZ_CHECK(m.n == j + added && fz_map_count(&m, 1) == added,
	    "map_auto added %zu, entries went from %zu to %zu", added, j, m.n);
	for (i = 0; i < m.n; i++)
		for (j = i + 1; j < m.n; j++)
			FZ_CHECK(m.e[i].canon != m.e[j].canon ||
			    m.e[i].canon == C_CONSENT, "canonical field %d "
			    "mapped twice", m.e[i].canon);
	map_drop_auto(&m);
	map_format(&m, &after);
	FZ_CHECK(before.len == after.len && memcmp(before.buf, after.buf,
	    before.len) == 0, "map_drop_auto did not restore the map");
	map_release(&m);

	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	sb_release(&why);
	sb_release(&before);
	sb_release(&after);
	return 0;
}
