/*
 * org_names.c - organisation names (org_name): the name as written for
 * display, and a key for comparison without the legal form, so that
 * "ACME SARL", "Acme S.A.R.L." and "acme" compare equal; see
 * normalise.h.
 */
#include <string.h>

#include "normalise/normalise_internal.h"

/*
 * Legal forms, as the key writes them (dots dropped, case folded):
 * French, German, Benelux, Italian, Spanish, Nordic, British and
 * American.
 */
static const char legal_forms[] =
    "sarl|sas|sasu|sa|eurl|sci|snc|scop|scs|sca|selarl|gie|"
    "gmbh|ag|kg|ug|ohg|mbh|"
    "bv|nv|bvba|sprl|srl|scrl|"
    "spa|sapa|sl|slu|"
    "ab|oy|asa|aps|"
    "ltd|limited|plc|llp|lp|"
    "inc|incorporated|llc|corp|corporation|co";

int
norm_org(const char *s, size_t n, struct sbuf *disp, struct sbuf *key)
{
	struct sbuf t, f;
	const char *p, *e, *w;
	size_t i, kept = 0;
	int res;

	if (key != NULL)
		sb_reset(key);
	if ((res = norm_text(s, n, disp)) != NORM_OK || key == NULL)
		return res;
	/* "S.A.R.L." is "sarl": dots go before the key is folded. */
	sb_init(&t);
	sb_init(&f);
	for (i = 0; i < disp->len; i++)
		if (disp->buf[i] != '.')
			sb_addc(&t, disp->buf[i]);
	if (norm_fold(t.len ? t.buf : "", t.len, &f) == -1) {
		res = NORM_INVALID;
		goto out;
	}
	/* The words that are not legal forms; all of them if none is left. */
	for (p = f.buf, e = f.buf + f.len; p != NULL && p < e; p = w + 1) {
		for (w = p; w < e && *w != ' '; w++)
			;
		if (w > p && !norm_in_list(p, (size_t)(w - p), legal_forms)) {
			if (kept++ > 0)
				sb_addc(key, ' ');
			sb_add(key, p, (size_t)(w - p));
		}
	}
	if (kept == 0 && f.len > 0)
		sb_add(key, f.buf, f.len);
	res = key->len > 0 ? NORM_OK : NORM_EMPTY;
out:
	if (res != NORM_OK) {
		sb_reset(disp);
		sb_reset(key);
	}
	sb_release(&t);
	sb_release(&f);
	return res;
}
