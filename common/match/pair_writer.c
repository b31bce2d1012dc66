/*
 * pair_writer.c - writing pair lines; see pair_writer.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "match/pair_writer.h"

void
mpair_num(char *buf, size_t len, double v, int decimals)
{
	char *p;

	if (!isfinite(v))
		v = 0;
	snprintf(buf, len, "%.*f", decimals, v);
	if (strchr(buf, '.') != NULL) {
		p = buf + strlen(buf) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}

static void
num(struct jw *w, double v, int decimals)
{
	char buf[64];

	mpair_num(buf, sizeof(buf), v, decimals);
	jw_num(w, buf, strlen(buf));
}

/* A string, with invalid UTF-8 bytes replaced so that jw accepts it. */
static void
str(struct jw *w, const char *s, size_t n)
{
	struct sbuf safe;
	long bad;

	if (utf8_check(s, n) < 0) {
		jw_str(w, s, n);
		return;
	}
	sb_init(&safe);
	while (n > 0) {
		if ((bad = utf8_check(s, n)) < 0) {
			sb_add(&safe, s, n);
			break;
		}
		sb_add(&safe, s, (size_t)bad);
		sb_adds(&safe, "\xef\xbf\xbd");
		s += bad + 1;
		n -= (size_t)bad + 1;
	}
	jw_str(w, safe.buf, safe.len);
	sb_release(&safe);
}

static void
key(struct jw *w, const char *name, const struct mpair_key *k)
{
	jw_key(w, name, 1);
	jw_map_open(w);
	jw_key(w, "source", 6);
	str(w, k->source, strlen(k->source));
	jw_key(w, "record_id", 9);
	str(w, k->record_id, strlen(k->record_id));
	if (k->has_rowid) {
		jw_key(w, "rowid", 5);
		jw_int(w, k->rowid);
	}
	jw_map_close(w);
}

void
mpair_format(struct jw *w, struct sbuf *out, const struct mpair_key *a,
    const struct mpair_key *b, double prob, const double *weight,
    const char *rule, const struct mpair_ev *ev, size_t nev)
{
	size_t i;

	jw_reset(w);
	jw_map_open(w);
	key(w, "a", a);
	key(w, "b", b);
	jw_key(w, "prob", 4);
	num(w, prob, 5);
	jw_key(w, "weight", 6);
	if (weight != NULL)
		num(w, *weight, 2);
	else
		jw_null(w);
	jw_key(w, "rule", 4);
	jw_strz(w, rule);
	jw_key(w, "evidence", 8);
	jw_array_open(w);
	for (i = 0; i < nev; i++) {
		jw_map_open(w);
		jw_key(w, "field", 5);
		jw_strz(w, ev[i].field);
		jw_key(w, "a", 1);
		str(w, ev[i].a, ev[i].alen);
		jw_key(w, "b", 1);
		str(w, ev[i].b, ev[i].blen);
		jw_key(w, "level", 5);
		jw_strz(w, ev[i].level);
		jw_key(w, "weight", 6);
		num(w, ev[i].weight, 2);
		jw_map_close(w);
	}
	jw_array_close(w);
	jw_map_close(w);
	sb_addc(out, '\n');
}

/* v when positive, else null. */
static void
int_or_null(struct jw *w, long long v)
{
	if (v > 0)
		jw_int(w, v);
	else
		jw_null(w);
}

void
mpair_trailer_format(struct jw *w, struct sbuf *out,
    const struct mpair_trailer *t)
{
	jw_reset(w);
	jw_map_open(w);
	jw_key(w, "trailer", 7);
	jw_strz(w, "cdp-match");
	jw_key(w, "run", 3);
	int_or_null(w, t->run);
	jw_key(w, "pairs", 5);
	jw_int(w, (long long)t->pairs);
	jw_key(w, "threshold", 9);
	num(w, t->threshold, 5);
	jw_key(w, "threshold_from", 14);
	jw_strz(w, t->threshold_from);
	/* 0 is a watermark: the store was empty. */
	jw_key(w, "watermark", 9);
	if (t->watermark >= 0)
		jw_int(w, t->watermark);
	else
		jw_null(w);
	jw_key(w, "watermark_run", 13);
	if (t->watermark_run >= 0)
		jw_int(w, t->watermark_run);
	else
		jw_null(w);
	jw_key(w, "status", 6);
	jw_strz(w, t->status);
	jw_map_close(w);
	sb_addc(out, '\n');
}
