/*
 * date_typo.c - birth dates one typo apart; see date_typo.h.
 */
#include "core/date_typo.h"

static int
dig(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int32_t
date_typo_parse(const char *s, size_t n)
{
	int y, m, d;

	if (n >= 10 && s[4] == '-' && s[7] == '-') {
		y = dig(s, 4);
		m = dig(s + 5, 2);
		d = dig(s + 8, 2);
	} else if (n == 8) {
		y = dig(s, 4);
		m = dig(s + 4, 2);
		d = dig(s + 6, 2);
	} else
		return 0;
	if (y < 0 || m < 0 || d < 0 || y + m + d == 0)
		return 0;
	return (int32_t)(y * 10000 + m * 100 + d);
}

/* 0 equal, 1 one slip apart, 2 further (w: digits written). */
static int
slip(int x, int y, int w)
{
	int dx[4], dy[4], i, nd = 0, first = -1;

	if (x == y)
		return 0;
	if (x - y == 1 || y - x == 1)
		return 1;
	for (i = w - 1; i >= 0; i--) {
		dx[i] = x % 10;
		dy[i] = y % 10;
		x /= 10;
		y /= 10;
	}
	for (i = 0; i < w; i++)
		if (dx[i] != dy[i]) {
			if (first == -1)
				first = i;
			nd++;
		}
	if (nd == 1)
		return 1;
	if (nd == 2 && first + 1 < w && dx[first] == dy[first + 1] &&
	    dx[first + 1] == dy[first] && dx[first + 1] != dy[first + 1])
		return 1;
	return 2;
}

int
date_typo_fits(int32_t a, int32_t b)
{
	int ya = a / 10000, ma = a / 100 % 100, da = a % 100;
	int yb = b / 10000, mb = b / 100 % 100, db = b % 100;
	int sy, sm, sd;

	if (a == b)
		return 1;
	if (ya == yb && ma == db && da == mb)
		return 1;
	if (ya > 9999 || yb > 9999)
		return 0;
	sy = slip(ya, yb, 4);
	sm = slip(ma, mb, 2);
	sd = slip(da, db, 2);
	return sy < 2 && sm < 2 && sd < 2 && sy + sm + sd <= 2;
}
