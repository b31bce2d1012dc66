/*
 * ingest_statements.c - the SQL statements of cdp-ingest's writer
 * (ingest_writer.c), prepared once a run and again when a bulk load ends: the
 * inserts of records, identifiers, consents and rejects, the lookups of a
 * stored record, and the suppression check of erased identifiers.
 *
 * The column lists come from the canonical fields (normalise/field_map.h), and
 * a record's parameters are numbered the same in every statement: ?1 the source
 * (the row id in the update), ?2 the record id, then the canonical fields, the
 * three name keys, the raw record, its fingerprint and the run.
 */
#include <stdlib.h>

#include "ingest/ingest.h"
#include "store/database.h"

/*
 * Identifiers: staged during a bulk load (store/bulk_load.h), else stored; one
 * row a statement, and IDENT_ROWS a statement for the bulk of a batch.
 */
static void
prepare_ident(struct ingest *g)
{
	struct sbuf sql;
	int i;

	sqlite3_finalize(g->ins_ident);
	sqlite3_finalize(g->ins_idents);
	sb_init(&sql);
	sb_adds(&sql, g->bulk ?
	    "INSERT INTO temp.bulk_ident(kind, value, record) VALUES (?, ?, ?)" :
	    "INSERT OR IGNORE INTO ident(kind, value, record) VALUES (?, ?, ?)");
	g->ins_ident = db_prepare(g->db, sql.buf, &g->why);
	for (i = 1; i < IDENT_ROWS; i++)
		sb_adds(&sql, ", (?, ?, ?)");
	g->ins_idents = db_prepare(g->db, sql.buf, &g->why);
	sb_release(&sql);
	if (g->ins_ident == NULL || g->ins_idents == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

void
ingest_prepare(struct ingest *g)
{
	struct sbuf sql;
	int i;

	sb_init(&sql);
	sb_adds(&sql, "INSERT INTO record(source_id, record_id");
	for (i = 0; i < C_NCANON; i++)
		sb_addf(&sql, ", %s", map_canon_name(i));
	sb_adds(&sql, ", first_name_key, last_name_key, full_name_key, raw, "
	    "fp, run, first_run) VALUES (?1, ?2");
	for (i = 0; i < C_NCANON + 3 + 3; i++)
		sb_addf(&sql, ", ?%d", i + 3);
	sb_addf(&sql, ", ?%d", C_NCANON + 8);
	/* Without record_key (a bulk load) the writer checks ids itself. */
	sb_adds(&sql, g->bulk ? ")" :
	    ") ON CONFLICT(source_id, record_id) DO NOTHING");
	sqlite3_finalize(g->ins_rec);
	g->ins_rec = db_prepare(g->db, sql.buf, &g->why);
	if (g->ins_rec == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
	/* and up to REC_ROWS rows a statement, for a bulk load's groups,
	 * as many as SQLite's limit on parameters allows */
	sqlite3_finalize(g->ins_recs);
	g->ins_recs = NULL;
	g->grp_max = sqlite3_limit(g->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1) /
	    (C_NCANON + 8);
	if (g->grp_max > REC_ROWS)
		g->grp_max = REC_ROWS;
	if (!g->bulk || g->grp_max < 2)
		g->grp_max = 1;
	if (g->grp_max > 1) {
		for (i = 1; i < g->grp_max; i++) {
			int j, b = i * (C_NCANON + 8);

			sb_addf(&sql, ", (?%d, ?%d", b + 1, b + 2);
			for (j = 0; j < C_NCANON + 3 + 3; j++)
				sb_addf(&sql, ", ?%d", b + j + 3);
			sb_addf(&sql, ", ?%d)", b + C_NCANON + 8);
		}
		if ((g->ins_recs = db_prepare(g->db, sql.buf, &g->why)) == NULL)
			die(EXIT_FAIL, "prepare: %s", g->why.buf);
	}
	if (g->upd_rec != NULL) {
		sb_release(&sql);
		prepare_ident(g);
		return;
	}

	sb_reset(&sql);
	sb_adds(&sql, "UPDATE record SET ");
	for (i = 0; i < C_NCANON; i++)
		sb_addf(&sql, "%s = ?%d, ", map_canon_name(i), i + 3);
	sb_addf(&sql, "first_name_key = ?%d, last_name_key = ?%d, "
	    "full_name_key = ?%d, raw = ?%d, fp = ?%d, run = ?%d "
	    "WHERE id = ?1",
	    C_NCANON + 3, C_NCANON + 4, C_NCANON + 5, C_NCANON + 6,
	    C_NCANON + 7, C_NCANON + 8);
	g->upd_rec = db_prepare(g->db, sql.buf, &g->why);
	sb_release(&sql);

	g->sel_rec = db_prepare(g->db, "SELECT id, fp, raw, email, phone, "
	    "customer_id, loyalty_id, anonymous_id FROM record "
	    "WHERE source_id = ? AND record_id = ?", &g->why);
	g->sel_row = db_prepare(g->db, "SELECT id, fp, raw, email, phone, "
	    "customer_id, loyalty_id, anonymous_id, record_id FROM record "
	    "WHERE id = ?", &g->why);
	g->ins_hist = db_prepare(g->db, "INSERT INTO record_history(record, "
	    "run, raw, replaced_at) VALUES (?, ?, ?, ?)", &g->why);
	prepare_ident(g);
	g->del_ident = db_prepare(g->db, "DELETE FROM ident WHERE kind = ? "
	    "AND value = ? AND record = ?", &g->why);
	g->ins_consent = db_prepare(g->db, "INSERT INTO consent(record, "
	    "kind, value, purpose, granted, ts, source_id, run) "
	    "VALUES (?, NULL, NULL, ?, ?, ?, ?, ?)", &g->why);
	g->sel_consent = db_prepare(g->db, "SELECT id FROM consent WHERE "
	    "record = ?1 AND kind IS NULL AND purpose = ?2 AND granted = ?3 "
	    "AND (?4 IS NULL OR ts = ?4) ORDER BY id DESC LIMIT 1", &g->why);
	g->del_consent = db_prepare(g->db, "DELETE FROM consent "
	    "WHERE record = ? AND id NOT IN (SELECT value FROM json_each(?))",
	    &g->why);
	g->ins_reject = db_prepare(g->db, "INSERT INTO reject(run, source_id, "
	    "file, line, reason, raw, key) VALUES (?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (source_id, key) DO UPDATE SET run = excluded.run, "
	    "file = excluded.file, reason = excluded.reason", &g->why);
	if (!g->upd_rec || !g->sel_rec || !g->sel_row || !g->ins_hist ||
	    !g->ins_ident || !g->del_ident || !g->ins_consent ||
	    !g->sel_consent || !g->del_consent || !g->ins_reject)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

/* Erased identifiers are refused: load what is needed to check them. */
void
ingest_prepare_suppression(struct ingest *g)
{
	sqlite3_stmt *st;
	int n = 0;

	st = db_prepare(g->db, "SELECT EXISTS (SELECT 1 FROM suppression)",
	    &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return;
	if (priv_salt(g->db, g->salt, 0) != 1)
		die(EXIT_FAIL, "suppression list without a salt: %s",
		    sqlite3_errmsg(g->db));
	if (priv_list_load(g->db, &g->supp) == -1)
		die(EXIT_FAIL, "suppression list: %s", sqlite3_errmsg(g->db));
	g->sel_supp = db_prepare(g->db, "SELECT 1 FROM suppression "
	    "WHERE kind = ? AND hash = ?", &g->why);
	if (g->sel_supp == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

void
ingest_finalize(struct ingest *g)
{
	sqlite3_finalize(g->sel_supp);
	priv_list_release(&g->supp);
	sqlite3_finalize(g->ins_rec);
	sqlite3_finalize(g->ins_recs);
	sqlite3_finalize(g->upd_rec);
	sqlite3_finalize(g->sel_rec);
	sqlite3_finalize(g->sel_row);
	sqlite3_finalize(g->ins_hist);
	sqlite3_finalize(g->ins_ident);
	sqlite3_finalize(g->ins_idents);
	sqlite3_finalize(g->del_ident);
	sqlite3_finalize(g->ins_consent);
	sqlite3_finalize(g->sel_consent);
	sqlite3_finalize(g->del_consent);
	sqlite3_finalize(g->ins_reject);
}
