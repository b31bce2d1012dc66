/*
 * tsql.h - what an SQL query answers, as text, for the C unit tests:
 * rows on lines, columns joined by '|', NULL as "", an error as
 * "error: message".  Static storage, overwritten by the next call.
 */
#ifndef CDP_TSQL_H
#define CDP_TSQL_H

#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

static char *
sql_text(sqlite3 *db, const char *sql)
{
	static char buf[4096];
	sqlite3_stmt *st;
	int i, n;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(buf, sizeof(buf), "error: %s", sqlite3_errmsg(db));
		return buf;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		for (i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    "%s%s", i ? "|" : (buf[0] ? "\n" : ""), v ? v : "");
		}
	}
	sqlite3_finalize(st);
	return buf;
}

#endif
