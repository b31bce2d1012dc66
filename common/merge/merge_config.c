/*
 * merge_config.c - the configuration of cdp-merge; see merge_config.h.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/merge_config.h"
#include "merge/union_find.h"
#include "store/database.h"

#define MAXWORDS	64

void
mergecf_init(struct mergecf *c, struct golden *g)
{
	c->max_contacts = 50;
	c->bd_mode = UF_BD_TYPO;
	c->name_guard = 1;
	c->names_only = 1;
	c->golden = g;
}

/* One setting; 0, or -1 with the reason in why. */
static int
setting(struct mergecf *c, char **w, size_t nw, struct sbuf *why)
{
	const char *errstr;
	long long v;
	int rules[GOLDEN_MAXRULE], f;
	size_t i;

	if (strcmp(w[0], "max-contacts") == 0 && nw == 2) {
		if (parse_ll(w[1], 0, 100000000, &v, &errstr) == -1) {
			sb_addf(why, "max-contacts %s: %s",
			    quote_value(w[1], strlen(w[1])), errstr);
			return -1;
		}
		c->max_contacts = (uint32_t)v;
	} else if (strcmp(w[0], "birth-dates") == 0 && nw == 2) {
		if (strcmp(w[1], "typo") == 0)
			c->bd_mode = UF_BD_TYPO;
		else if (strcmp(w[1], "strict") == 0)
			c->bd_mode = UF_BD_STRICT;
		else if (strcmp(w[1], "off") == 0)
			c->bd_mode = UF_BD_OFF;
		else {
			sb_adds(why, "birth-dates must be typo, strict or off");
			return -1;
		}
	} else if (strcmp(w[0], "names") == 0 && nw == 2) {
		if (strcmp(w[1], "on") == 0)
			c->name_guard = 1;
		else if (strcmp(w[1], "off") == 0)
			c->name_guard = 0;
		else {
			sb_adds(why, "names must be on or off");
			return -1;
		}
	} else if (strcmp(w[0], "names-only") == 0 && nw == 2) {
		if (strcmp(w[1], "on") == 0)
			c->names_only = 1;
		else if (strcmp(w[1], "off") == 0)
			c->names_only = 0;
		else {
			sb_adds(why, "names-only must be on or off");
			return -1;
		}
	} else if (strcmp(w[0], "survive") == 0 && nw >= 3) {
		if ((f = golden_field_lookup(w[1])) == -1) {
			sb_addf(why, "unknown field %s",
			    quote_value(w[1], strlen(w[1])));
			return -1;
		}
		if (nw - 2 > GOLDEN_MAXRULE) {
			sb_addf(why, "more than %d rules", GOLDEN_MAXRULE);
			return -1;
		}
		for (i = 2; i < nw; i++)
			if ((rules[i - 2] = golden_rule_lookup(w[i])) == -1) {
				sb_addf(why, "unknown rule %s",
				    quote_value(w[i], strlen(w[i])));
				return -1;
			}
		golden_set_rules(c->golden, f, rules, nw - 2);
	} else if (strcmp(w[0], "source-priority") == 0 && nw >= 2)
		golden_set_priority(c->golden, w + 1, nw - 1);
	else {
		sb_addf(why, "unknown setting %s or wrong number of values",
		    quote_value(w[0], strlen(w[0])));
		return -1;
	}
	return 0;
}

int
mergecf_parse(struct mergecf *c, const char *text, const char *name,
    struct sbuf *why)
{
	char *copy = xstrdup(text), *line, *next, *w[MAXWORDS], *p, *save;
	struct sbuf r;
	size_t nw;
	long lineno = 0;
	int rc = 0;

	sb_init(&r);
	for (line = copy; line != NULL && rc == 0; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		nw = 0;
		for (p = strtok_r(line, " \t\r", &save); p != NULL;
		    p = strtok_r(NULL, " \t\r", &save)) {
			if (nw == MAXWORDS) {
				sb_adds(&r, "too many words");
				rc = -1;
				break;
			}
			w[nw++] = p;
		}
		if (rc == 0 && nw > 0)
			rc = setting(c, w, nw, &r);
		if (rc == -1) {
			sb_reset(why);
			sb_addf(why, "%s:%ld: %s", name, lineno, r.buf);
		}
	}
	sb_release(&r);
	free(copy);
	return rc;
}

char *
mergecf_stored(sqlite3 *db)
{
	sqlite3_stmt *st;
	char *s = NULL;

	if (sqlite3_prepare_v2(db, "SELECT value FROM state WHERE key = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, MERGECF_STATE, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		s = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

int
mergecf_store(sqlite3 *db, const char *text, struct sbuf *why)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "INSERT INTO state(key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = ?2 "
	    "WHERE value IS NOT ?2", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, MERGECF_STATE, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	return db_step_final(db, st, why);
}
