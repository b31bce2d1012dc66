/*
 * score_table.c - the stored scores of every profile as a table: one row
 * per profile in id order, one column per score, CSV or NDJSON.
 *
 * Each score is read by its own cursor over its key range (name,
 * profile), all walking in profile order beside the profile table, so
 * the table is produced in one ordered pass whatever the number of
 * scores, without a join or a sort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_options.h"
#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "score/score.h"
#include "store/database.h"

/* One value: the cursor's if it is on this profile, else null. */
static void
cell(sqlite3_stmt *c, int live, long long id, const char *name, int ndjson,
    struct jw *jw, struct csvw *cw)
{
	int t = SQLITE_NULL;

	if (live && sqlite3_column_int64(c, 0) == id)
		t = sqlite3_column_type(c, 1);
	if (ndjson)
		jw_key(jw, name, strlen(name));
	switch (t) {
	case SQLITE_INTEGER:
		if (ndjson)
			jw_int(jw, sqlite3_column_int64(c, 1));
		else
			csvw_int(cw, sqlite3_column_int64(c, 1));
		break;
	case SQLITE_FLOAT:
		if (ndjson)
			jw_double(jw, sqlite3_column_double(c, 1));
		else
			csvw_double(cw, sqlite3_column_double(c, 1));
		break;
	case SQLITE_NULL:
		if (ndjson)
			jw_null(jw);
		else
			csvw_str(cw, NULL);
		break;
	default:
		if (ndjson)
			jw_str(jw, (const char *)sqlite3_column_text(c, 1),
			    (size_t)sqlite3_column_bytes(c, 1));
		else
			csvw_field(cw, (const char *)sqlite3_column_text(c, 1),
			    (size_t)sqlite3_column_bytes(c, 1));
	}
}

int
score_print(sqlite3 *db, const char *const *names, size_t n, int ndjson,
    const struct csvo *co, FILE *f, struct sbuf *why)
{
	sqlite3_stmt *prof = NULL, **cur;
	struct csvw cw;
	struct jw jw;
	struct sbuf line;
	long long id;
	int *live, rc = SQLITE_DONE, ret = -1;
	size_t i;

	cur = xcalloc(n + 1, sizeof(*cur));
	live = xcalloc(n + 1, sizeof(*live));
	sb_init(&line);
	jw_init(&jw, &line);
	if (co != NULL)
		csvo_writer(co, &cw, f);
	else
		csvw_init(&cw, f, ',');
	for (i = 0; i < n; i++) {
		if ((cur[i] = db_prepare(db, "SELECT profile, value FROM score "
		    "WHERE name = ? ORDER BY profile", why)) == NULL)
			goto out;
		sqlite3_bind_text(cur[i], 1, names[i], -1, SQLITE_STATIC);
		live[i] = sqlite3_step(cur[i]) == SQLITE_ROW;
	}
	if ((prof = db_prepare(db, "SELECT id FROM profile ORDER BY id",
	    why)) == NULL)
		goto out;
	if (!ndjson) {
		csvw_str(&cw, "profile");
		for (i = 0; i < n; i++)
			csvw_str(&cw, names[i]);
		if (csvw_end(&cw) == -1)
			goto written;
	}
	while ((rc = sqlite3_step(prof)) == SQLITE_ROW) {
		id = sqlite3_column_int64(prof, 0);
		jw_reset(&jw);
		jw_map_open(&jw);
		jw_key(&jw, "profile", 7);
		jw_int(&jw, id);
		if (!ndjson)
			csvw_int(&cw, id);
		for (i = 0; i < n; i++) {
			while (live[i] && sqlite3_column_int64(cur[i], 0) < id)
				live[i] = sqlite3_step(cur[i]) == SQLITE_ROW;
			cell(cur[i], live[i], id, names[i], ndjson, &jw, &cw);
		}
		if (ndjson) {
			jw_map_close(&jw);
			sb_addc(&line, '\n');
			if (fwrite(line.buf, 1, line.len, f) != line.len)
				break;
		} else if (csvw_end(&cw) == -1)
			break;
	}
written:
	/* a write error is for the caller's check of the stream */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sb_reset(why);
		sb_addf(why, "profile: %s", sqlite3_errmsg(db));
	} else
		ret = 0;
out:
	sqlite3_finalize(prof);
	for (i = 0; i < n; i++)
		sqlite3_finalize(cur[i]);
	free(cur);
	free(live);
	csvw_release(&cw);
	jw_release(&jw);
	sb_release(&line);
	return ret;
}
