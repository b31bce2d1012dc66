/*
 * export_fields.h - the columns of a profile export (cdp-export -F): parsing a
 * field list, turning it into SQL over the profile row p, and hashing
 * identifiers the way ad platforms' customer-match uploads expect.
 *
 * A field list is "f1,f2:Name,...": each field is a profile column
 * (profile_id, nrecords, first_seen, last_seen or a golden field),
 * score.NAME (the score table), attr.PATH (json_extract of "$.PATH" on
 * the raw JSON of the profile's most recent member record holding a
 * non-null value there: latest ts first, records without ts last, then
 * the latest rowid) or segments (the profile's segment names, sorted,
 * joined with ';').  ":Name" renames the column.
 *
 *	struct xfields xf;
 *
 *	if (xf_parse(&xf, "email,score.clv:CLV", &why) == -1) ...
 *	sb_adds(&sql, "SELECT p.id");
 *	xf_sql(&xf, &sql);		(one ", expr" per field)
 *	sb_adds(&sql, " FROM profile p");
 *	... prepare, xf_bind(&xf, st), step ...
 *	xf_release(&xf);
 */
#ifndef CDP_EXPORT_FIELDS_H
#define CDP_EXPORT_FIELDS_H

#include <sqlite3.h>

#include "core/hash.h"
#include "core/util.h"

enum { XF_COL, XF_SCORE, XF_ATTR, XF_SEGMENTS };	/* field kinds */
enum { XF_HNONE, XF_HEMAIL, XF_HPHONE };	/* what a field hashes as */

struct xfield {
	char	*name;		/* column name written */
	int	 kind;		/* XF_* */
	const char *col;	/* XF_COL: the profile column */
	char	*arg;		/* XF_SCORE: score name; XF_ATTR: "$.PATH" */
	int	 hk;		/* XF_H*: email and phone are identifiers */
	int	 money;		/* an amount: written to the cent */
};

struct xfields {
	struct xfield *v;
	size_t	 n;
	const char **names;	/* the column names, NULL-terminated */
	const char *id;		/* profile_id's expression; NULL: p.id */
};

/*
 * Parse spec (NULL: every profile column, in table order) into xf.
 * 0, or -1 with why set (an unknown or empty field, an empty name);
 * xf is then empty, ready for xf_release.
 */
int	xf_parse(struct xfields *, const char *spec, struct sbuf *why);
void	xf_release(struct xfields *);

/* Append ", expr" for each field; field i uses the parameter :f<i>. */
void	xf_sql(const struct xfields *, struct sbuf *sql);
/*
 * As xf_sql, each field taken from the JSON object in the SQL
 * expression keys when it holds the field (export_keys.h: the values a
 * destination was given), else computed.  Where the SQL expression
 * exit is true (an exit row) a field that does not identify the
 * profile is NULL: an exit carries only what the destination needs to
 * drop the person, the fields that identify them (profile_id, email,
 * phone, customer_id, loyalty_id, anonymous_id, hashed as the entry
 * was), or every field when none does.
 */
void	xf_sql_keyed(const struct xfields *, struct sbuf *sql,
	    const char *keys, const char *exit);
/*
 * Append "json_object(...)" of the fields an exit carries (above), by
 * what each field is (profile_id, email, score.clv, attr.PATH,
 * segments), not by its column name: what xf_sql_keyed reads.
 */
void	xf_sql_object(const struct xfields *, struct sbuf *sql);
/* Bind the :f<i> parameters st uses. */
void	xf_bind(const struct xfields *, sqlite3_stmt *st);

/*
 * The customer-match hash of identifier s[0..n) of kind hk into hex
 * (lower-case, 64 digits and a NUL): SHA-256 of the value normalised as
 * cdp-ingest does (an email trimmed and lower-cased; a phone in E.164,
 * with its '+', or without it when meta is set, as Meta wants it).
 * scratch is caller's working space.  0, or -1 when the value cannot
 * be normalised (an invalid email, a national phone number whose
 * country is unknown: no platform could match its hash).
 */
int	xf_hash(int hk, int meta, const char *s, size_t n,
	    struct sbuf *scratch, char hex[2 * HASH_LEN + 1]);

#endif
