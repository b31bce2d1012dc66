/*
 * fuzz-norm.c - the normalisers (common/normalise/normalise.c, normalise/dates.c, normalise/phones.c).
 *
 * fuzz-sources: core/util normalise/normalise normalise/dates normalise/phones
 * fuzz-options: -max_len=512
 *
 * The first byte picks the normaliser and, for phones and dates, the
 * default country or the date format; the rest is the raw value, which
 * may hold anything (NUL bytes, invalid UTF-8).  Checked for every one:
 * the result is NORM_OK, NORM_EMPTY or NORM_INVALID, and out is empty
 * unless it is NORM_OK; a NORM_OK output is valid UTF-8, NUL-terminated
 * at its length, and normalises to itself (idempotent: what is stored
 * is already canonical, so a re-ingest finds the same keys).  Shapes
 * promised by normalise/normalise.h are checked too: E.164 phones, ISO dates and
 * timestamps, plain decimal amounts that a double holds, F/M/X, two-letter countries,
 * lower-case emails with one '@'.
 */
#include <ctype.h>
#include <math.h>

#include "normalise/normalise.h"
#include "fuzz.h"

static const char *const fz_norm_countries[] = {
	NULL, "FR", "US", "GB", "DE", "BE", "CH", "IT", "ES", "XX"
};
static const char *const fz_norm_formats[] = {
	NULL, "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M",
	"%Y-%m-%d %H:%M:%S", "%d %b %Y", "%s"
};

#define FZ_N(a)	(sizeof(a) / sizeof(a[0]))

static void
fz_norm_valid(int r, const struct sbuf *out, const char *what)
{
	FZ_CHECK(r == NORM_OK || r == NORM_EMPTY || r == NORM_INVALID,
	    "%s returned %d", what, r);
	FZ_CHECK(out->buf[out->len] == '\0', "%s: output not terminated",
	    what);
	if (r != NORM_OK) {
		FZ_CHECK(out->len == 0, "%s: output %zu bytes with result %d",
		    what, out->len, r);
		return;
	}
	FZ_CHECK(out->len > 0, "%s: NORM_OK and empty", what);
	FZ_CHECK(utf8_check(out->buf, out->len) < 0, "%s: invalid UTF-8 out",
	    what);
}

static void
fz_norm_same(const struct sbuf *a, const struct sbuf *b, const char *what)
{
	FZ_CHECK(a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0,
	    "%s not idempotent: \"%s\" became \"%s\"", what, a->buf, b->buf);
}

/* Whether s is made only of characters from set (and is not empty). */
static int
fz_norm_only(const char *s, const char *set)
{
	return *s != '\0' && strspn(s, set) == strlen(s);
}

static int
fz_norm_iso_date(const char *s)
{
	return strlen(s) >= 10 && isdigit((unsigned char)s[0]) &&
	    isdigit((unsigned char)s[3]) && s[4] == '-' &&
	    isdigit((unsigned char)s[5]) && isdigit((unsigned char)s[6]) &&
	    s[7] == '-' && isdigit((unsigned char)s[8]) &&
	    isdigit((unsigned char)s[9]) && s[0] != '0';
}

/* -?[0-9]+(\.[0-9]+)? */
static int
fz_norm_decimal(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned o = fz_byte(&data, &size);
	const char *s = (const char *)data, *ctry, *fmt;
	struct sbuf out, out2, key, key2;
	size_t n = size;
	int r, r2;

	ctry = fz_norm_countries[(o >> 4) % FZ_N(fz_norm_countries)];
	fmt = fz_norm_formats[(o >> 4) % FZ_N(fz_norm_formats)];
	sb_init(&out);
	sb_init(&out2);
	sb_init(&key);
	sb_init(&key2);
	switch (o % 13) {
	case 0:
		r = norm_email(s, n, &out);
		fz_norm_valid(r, &out, "norm_email");
		if (r != NORM_OK)
			break;
		FZ_CHECK(strchr(out.buf, '@') != NULL &&
		    strchr(out.buf, '@') == strrchr(out.buf, '@'),
		    "email without exactly one '@': %s", out.buf);
		FZ_CHECK(strpbrk(out.buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ \t") ==
		    NULL, "email with upper case or blanks: %s", out.buf);
		r2 = norm_email(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_email rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_email");
		break;
	case 1:
		r = norm_phone(s, n, ctry, &out);
		fz_norm_valid(r, &out, "norm_phone");
		if (r != NORM_OK)
			break;
		FZ_CHECK(out.buf[0] == '+' && out.len >= 9 && out.len <= 16 &&
		    fz_norm_only(out.buf + 1, "0123456789") &&
		    out.buf[1] != '0', "not E.164: %s", out.buf);
		r2 = norm_phone(out.buf, out.len, ctry, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_phone rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_phone");
		/* E.164 needs no default country. */
		r2 = norm_phone(out.buf, out.len, NULL, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_phone without a country rejects "
		    "\"%s\"", out.buf);
		fz_norm_same(&out, &out2, "norm_phone (no country)");
		break;
	case 2:
		r = norm_name(s, n, &out, &key);
		fz_norm_valid(r, &out, "norm_name");
		fz_norm_valid(r, &key, "norm_name key");
		if (r != NORM_OK)
			break;
		r2 = norm_name(out.buf, out.len, &out2, &key2);
		FZ_CHECK(r2 == NORM_OK, "norm_name rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_name display");
		fz_norm_same(&key, &key2, "norm_name key of the display form");
		/* The key is a fixed point too: a key of a key is itself. */
		r2 = norm_name(key.buf, key.len, &out2, &key2);
		FZ_CHECK(r2 == NORM_OK, "norm_name rejects the key \"%s\"",
		    key.buf);
		fz_norm_same(&key, &key2, "norm_name key");
		/* Without a key, the display form is the same. */
		r2 = norm_name(s, n, &out2, NULL);
		FZ_CHECK(r2 == NORM_OK, "norm_name without a key: %d", r2);
		fz_norm_same(&out, &out2, "norm_name without a key");
		break;
	case 3:
		r = norm_text(s, n, &out);
		fz_norm_valid(r, &out, "norm_text");
		if (r != NORM_OK)
			break;
		r2 = norm_text(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_text rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_text");
		break;
	case 4:
		r = norm_date(s, n, fmt, &out);
		fz_norm_valid(r, &out, "norm_date");
		if (r != NORM_OK)
			break;
		FZ_CHECK(out.len == 10 && fz_norm_iso_date(out.buf),
		    "not YYYY-MM-DD: %s", out.buf);
		r2 = norm_date(out.buf, out.len, NULL, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_date rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_date");
		break;
	case 5:
		r = norm_ts(s, n, fmt, &out);
		fz_norm_valid(r, &out, "norm_ts");
		if (r != NORM_OK)
			break;
		FZ_CHECK(out.len == 20 && fz_norm_iso_date(out.buf) &&
		    out.buf[10] == 'T' && out.buf[13] == ':' &&
		    out.buf[16] == ':' && out.buf[19] == 'Z',
		    "not YYYY-MM-DDTHH:MM:SSZ: %s", out.buf);
		r2 = norm_ts(out.buf, out.len, NULL, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_ts rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_ts");
		break;
	case 6:
		r = norm_amount(s, n, &out);
		fz_norm_valid(r, &out, "norm_amount");
		if (r != NORM_OK)
			break;
		FZ_CHECK(fz_norm_decimal(out.buf), "not a plain decimal: %s",
		    out.buf);
		/* It is stored as a double. */
		FZ_CHECK(isfinite(strtod(out.buf, NULL)), "amount %s is not "
		    "a finite double", out.buf);
		r2 = norm_amount(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_amount rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_amount");
		break;
	case 7:
		r = norm_bool(s, n);
		FZ_CHECK(r == 0 || r == 1 || r == NORM_EMPTY ||
		    r == NORM_INVALID, "norm_bool returned %d", r);
		break;
	case 8:
		r = norm_gender(s, n, &out);
		fz_norm_valid(r, &out, "norm_gender");
		if (r != NORM_OK)
			break;
		FZ_CHECK(strcmp(out.buf, "F") == 0 || strcmp(out.buf, "M") ==
		    0 || strcmp(out.buf, "X") == 0, "gender %s", out.buf);
		r2 = norm_gender(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_gender rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_gender");
		break;
	case 9:
		r = norm_country(s, n, &out);
		fz_norm_valid(r, &out, "norm_country");
		if (r != NORM_OK)
			break;
		FZ_CHECK(out.len == 2 && fz_norm_only(out.buf,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "country %s", out.buf);
		r2 = norm_country(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_country rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_country");
		break;
	case 10:
		r = norm_postal(s, n, &out);
		fz_norm_valid(r, &out, "norm_postal");
		if (r != NORM_OK)
			break;
		r2 = norm_postal(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_postal rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_postal");
		break;
	case 11:
		r = norm_id(s, n, &out);
		fz_norm_valid(r, &out, "norm_id");
		if (r != NORM_OK)
			break;
		r2 = norm_id(out.buf, out.len, &out2);
		FZ_CHECK(r2 == NORM_OK, "norm_id rejects its own \"%s\"",
		    out.buf);
		fz_norm_same(&out, &out2, "norm_id");
		break;
	case 12:
		/* A phone's country may come from a record's own field. */
		r = norm_country(s, n, &key);
		if (r == NORM_OK) {
			r = norm_phone("06 12 34 56 78", 14, key.buf, &out);
			fz_norm_valid(r, &out, "norm_phone (record country)");
		}
		break;
	}
	sb_release(&out);
	sb_release(&out2);
	sb_release(&key);
	sb_release(&key2);
	return 0;
}
