/*
 * dates.c - the date and timestamp normalisers: norm_date, norm_ts.
 *
 * The common shapes (ISO 8601, basic YYYYMMDD, epoch seconds and
 * milliseconds) are parsed by hand into a struct dt and never reach
 * strptime, which only a caller's format needs.  An offset is applied
 * through timegm and gmtime_r, never the local time zone.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "normalise/normalise_internal.h"

/* A broken-down date and time; off is seconds east of UTC. */
struct dt {
	int	y, mo, d;
	int	h, mi, s;
	long	off;
	int	zoned;	/* an offset or a zone was written (or epoch) */
};

static int
days_in_month(int y, int m)
{
	static const unsigned char mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

static int
dt_valid(struct dt *t)
{
	if (t->y < 1000 || t->y > 9999 || t->mo < 1 || t->mo > 12 ||
	    t->d < 1 || t->d > days_in_month(t->y, t->mo))
		return 0;
	if (t->h < 0 || t->h > 23 || t->mi < 0 || t->mi > 59 ||
	    t->s < 0 || t->s > 60)
		return 0;
	if (t->s == 60)		/* a leap second: not representable later */
		t->s = 59;
	return 1;
}

/* Exactly k digits at p[0..e) into *v; the end or NULL. */
static const char *
digits(const char *p, const char *e, int k, int *v)
{
	*v = 0;
	if (e - p < k)
		return NULL;
	while (k-- > 0) {
		if (!ISDIGIT(*p))
			return NULL;
		*v = *v * 10 + (*p++ - '0');
	}
	return p;
}

/* One or two digits. */
static const char *
digits12(const char *p, const char *e, int *v)
{
	if ((p = digits(p, e, 1, v)) == NULL)
		return NULL;
	if (p < e && ISDIGIT(*p))
		*v = *v * 10 + (*p++ - '0');
	return p;
}

/* "YYYY-MM-DD", "YYYY/MM/DD" (one-digit fields allowed), "YYYYMMDD". */
static const char *
parse_ymd(const char *p, const char *e, struct dt *t)
{
	char sep;

	memset(t, 0, sizeof(*t));
	if ((p = digits(p, e, 4, &t->y)) == NULL || p == e)
		return NULL;
	if (*p == '-' || *p == '/') {
		sep = *p++;
		if ((p = digits12(p, e, &t->mo)) == NULL || p == e ||
		    *p++ != sep)
			return NULL;
		return digits12(p, e, &t->d);
	}
	if ((p = digits(p, e, 2, &t->mo)) == NULL)
		return NULL;
	return digits(p, e, 2, &t->d);
}

/* t from the broken-down time tm, off seconds east of UTC. */
static void
from_tm(struct dt *t, const struct tm *tm, long off)
{
	t->y = tm->tm_year + 1900;
	t->mo = tm->tm_mon + 1;
	t->d = tm->tm_mday;
	t->h = tm->tm_hour;
	t->mi = tm->tm_min;
	t->s = tm->tm_sec;
	t->off = off;
}

/* t from u, seconds since the epoch, in UTC. */
static int
from_epoch(struct dt *t, time_t u)
{
	struct tm tm;

	if (gmtime_r(&u, &tm) == NULL)
		return -1;
	from_tm(t, &tm, 0);
	return 0;
}

/* Epoch seconds (9 to 11 digits) or milliseconds (12, 13), signed. */
static int
parse_epoch(const char *p, size_t n, struct dt *t)
{
	long long v = 0;
	time_t u;
	size_t i;
	int neg = 0;

	if (n > 0 && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
		n--;
	}
	if (n < 9 || n > 13)
		return -1;
	for (i = 0; i < n; i++) {
		if (!ISDIGIT(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (neg)
		v = -v;
	if (n >= 12)		/* floor, so that -1 ms is 1969-12-31 */
		v = v / 1000 - (v % 1000 < 0);
	u = (time_t)v;
	return from_epoch(t, u);
}

/*
 * strptime(3) with fmt over s[0..n), which it must consume entirely;
 * scratch holds the NUL-terminated copy strptime needs.
 */
static int
parse_fmt(const char *s, size_t n, const char *fmt, struct dt *t,
    struct sbuf *scratch)
{
	struct tm tm;
	const char *end;

	sb_reset(scratch);
	sb_add(scratch, s, n);
	memset(&tm, 0, sizeof(tm));
	end = strptime(scratch->buf, fmt, &tm);
	if (end != scratch->buf + n) {
		sb_reset(scratch);
		return -1;
	}
	sb_reset(scratch);
	if (tm.tm_year < -1900 || tm.tm_year > 9999)
		return -1;
	from_tm(t, &tm, tm.tm_gmtoff);
	return 0;
}

static void
put_num(char *b, int v, int k)
{
	while (k-- > 0) {
		b[k] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void
put_date(struct sbuf *out, const struct dt *t)
{
	char b[10];

	put_num(b, t->y, 4);
	b[4] = '-';
	put_num(b + 5, t->mo, 2);
	b[7] = '-';
	put_num(b + 8, t->d, 2);
	sb_add(out, b, sizeof(b));
}

int
norm_date(const char *s, size_t n, const char *fmt, struct sbuf *out)
{
	struct dt t;
	const char *p, *e;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	e = s + n;
	if (fmt != NULL && parse_fmt(s, n, fmt, &t, out) == 0 &&
	    dt_valid(&t))
		goto good;
	if (parse_epoch(s, n, &t) == 0 && dt_valid(&t))
		goto good;
	/* A time part after the date is ignored, whatever it holds. */
	if ((p = parse_ymd(s, e, &t)) != NULL &&
	    (p == e || *p == 'T' || *p == 't' || *p == ' ') && dt_valid(&t))
		goto good;
	return NORM_INVALID;
good:
	put_date(out, &t);
	return NORM_OK;
}

int
norm_date_past(const char *s, size_t n, const char *fmt, struct sbuf *out)
{
	struct dt t, now;
	struct tm tm;
	time_t u;
	int res;

	res = norm_date(s, n, fmt, out);
	if (res != NORM_OK || fmt == NULL || strstr(fmt, "%y") == NULL)
		return res;
	u = time(NULL);
	if (gmtime_r(&u, &tm) == NULL)
		return res;
	from_tm(&now, &tm, 0);
	/* out is "YYYY-MM-DD", which compares as text. */
	memset(&t, 0, sizeof(t));
	t.y = (out->buf[0] - '0') * 1000 + (out->buf[1] - '0') * 100 +
	    (out->buf[2] - '0') * 10 + (out->buf[3] - '0');
	t.mo = (out->buf[5] - '0') * 10 + (out->buf[6] - '0');
	t.d = (out->buf[8] - '0') * 10 + (out->buf[9] - '0');
	if (t.y < now.y || (t.y == now.y && (t.mo < now.mo ||
	    (t.mo == now.mo && t.d <= now.d))))
		return res;
	t.y -= 100;
	sb_reset(out);
	if (!dt_valid(&t))
		return NORM_INVALID;
	put_date(out, &t);
	return NORM_OK;
}

/* "Z", "UTC", "GMT", "+hh:mm", "+hhmm", "+hh" (or '-') ending at e. */
static int
parse_offset(const char *p, const char *e, long *off)
{
	int hh, mm = 0, neg;

	*off = 0;
	if (p == e || ((*p == 'Z' || *p == 'z') && p + 1 == e) ||
	    norm_ieq(p, (size_t)(e - p), "utc") ||
	    norm_ieq(p, (size_t)(e - p), "gmt"))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	neg = *p++ == '-';
	if ((p = digits(p, e, 2, &hh)) == NULL)
		return -1;
	if (p < e && (p = digits(p + (*p == ':'), e, 2, &mm)) == NULL)
		return -1;
	if (p != e || hh > 14 || mm > 59)
		return -1;
	*off = (hh * 3600L + mm * 60L) * (neg ? -1 : 1);
	return 0;
}

/* "HH:MM[:SS][.frac]" or "HHMM[SS][.frac]", then an offset. */
static int
parse_time(const char *p, const char *e, struct dt *t)
{
	int colon;

	if ((p = digits(p, e, 2, &t->h)) == NULL)
		return -1;
	colon = p < e && *p == ':';
	if ((p = digits(p + colon, e, 2, &t->mi)) == NULL)
		return -1;
	if (p < e && (colon ? *p == ':' : ISDIGIT(*p)) &&
	    (p = digits(p + colon, e, 2, &t->s)) == NULL)
		return -1;
	if (p < e && (*p == '.' || *p == ',')) {
		if (++p == e || !ISDIGIT(*p))
			return -1;
		while (p < e && ISDIGIT(*p))
			p++;
	}
	if (p < e && *p == ' ')
		p++;
	t->zoned = p != e;
	return parse_offset(p, e, &t->off);
}

/* Apply t->off through time_t; the date fields must be valid. */
static int
to_utc(struct dt *t)
{
	struct tm tm;
	time_t u;

	if (t->off == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = t->y - 1900;
	tm.tm_mon = t->mo - 1;
	tm.tm_mday = t->d;
	tm.tm_hour = t->h;
	tm.tm_min = t->mi;
	tm.tm_sec = t->s;
	u = timegm(&tm) - t->off;
	if (from_epoch(t, u) == -1)
		return -1;
	return dt_valid(t) ? 0 : -1;
}

int
norm_zone_known(const char *zone)
{
	struct sbuf path;
	int ok;

	if (strcmp(zone, "UTC") == 0)
		return 1;
	if (*zone == '\0' || *zone == '/' || strstr(zone, "..") != NULL ||
	    strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != strlen(zone))
		return 0;
	sb_init(&path);
	sb_addf(&path, "/usr/share/zoneinfo/%s", zone);
	ok = access(path.buf, R_OK) == 0;
	sb_release(&path);
	return ok;
}

/*
 * t, a wall-clock time in zone, to UTC.  libc converts only through
 * the process's TZ, so TZ is set to zone (and left so: the next value
 * of the same source needs it again).
 */
static int
zone_to_utc(struct dt *t, const char *zone)
{
	const char *cur = getenv("TZ");
	struct tm tm;
	time_t u;

	if (cur == NULL || strcmp(cur, zone) != 0) {
		if (setenv("TZ", zone, 1) == -1)
			return -1;
		tzset();
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = t->y - 1900;
	tm.tm_mon = t->mo - 1;
	tm.tm_mday = t->d;
	tm.tm_hour = t->h;
	tm.tm_min = t->mi;
	tm.tm_sec = t->s;
	tm.tm_isdst = -1;
	u = mktime(&tm);
	if (from_epoch(t, u) == -1)
		return -1;
	return dt_valid(t) ? 0 : -1;
}

int
norm_ts(const char *s, size_t n, const char *fmt, struct sbuf *out)
{
	return norm_ts_zone(s, n, fmt, NULL, out);
}

int
norm_ts_zone(const char *s, size_t n, const char *fmt, const char *zone,
    struct sbuf *out)
{
	struct dt t;
	const char *p, *e;
	char b[10];

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	e = s + n;
	if (fmt != NULL && parse_fmt(s, n, fmt, &t, out) == 0 &&
	    dt_valid(&t) && to_utc(&t) == 0) {
		t.zoned = strstr(fmt, "%z") != NULL || strstr(fmt, "%Z") != NULL;
		goto good;
	}
	if (parse_epoch(s, n, &t) == 0 && dt_valid(&t)) {
		t.zoned = 1;
		goto good;
	}
	if ((p = parse_ymd(s, e, &t)) == NULL)
		return NORM_INVALID;
	if (p < e && ((*p != 'T' && *p != 't' && *p != ' ') ||
	    parse_time(p + 1, e, &t) == -1))
		return NORM_INVALID;
	if (!dt_valid(&t) || to_utc(&t) == -1)
		return NORM_INVALID;
good:
	if (zone != NULL && !t.zoned && zone_to_utc(&t, zone) == -1) {
		sb_reset(out);
		return NORM_INVALID;
	}
	put_date(out, &t);
	b[0] = 'T';
	put_num(b + 1, t.h, 2);
	b[3] = ':';
	put_num(b + 4, t.mi, 2);
	b[6] = ':';
	put_num(b + 7, t.s, 2);
	b[9] = 'Z';
	sb_add(out, b, sizeof(b));
	return NORM_OK;
}
