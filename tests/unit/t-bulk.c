/*
 * t-bulk.c - unit tests for the idset of a bulk load
 * (common/store/bulk_load.c): every row stored under a hash is found again,
 * rows of colliding hashes are all returned and nothing else, the fixed size
 * and when it is full, and the rowid range; the decision of bulk_begin
 * between two loads that start together; and a load repaired while it
 * runs (bulk_adopt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/bulk_load.h"
#include "store/database.h"
#include "tap.h"
#include "tsql.h"

static char dir[] = "/tmp/t-bulk.XXXXXX";

static int
rows_of(const struct idset *s, uint32_t h, int64_t *out, int max)
{
	size_t i = 0;
	int64_t row;
	int n = 0;

	while (idset_next(s, h, &i, &row))
		if (n < max)
			out[n++] = row;
	return n;
}

static void
collisions(void)
{
	struct idset s;
	int64_t got[8];
	int n;

	idset_init(&s, 100);
	ok(s.nslot == 0 && s.n == 0 && !idset_full(&s), "a new set is empty");
	ok(rows_of(&s, 7, got, 8) == 0, "an empty set has nothing");
	idset_add(&s, 7, 1);
	idset_add(&s, 7, 2);
	idset_add(&s, 8, 3);
	idset_add(&s, 7 + 8192, 4);	/* another hash, maybe the same slot */
	n = rows_of(&s, 7, got, 8);
	ok(n == 2 && got[0] == 1 && got[1] == 2,
	    "both rows of a repeated hash, in insertion order");
	n = rows_of(&s, 8, got, 8);
	ok(n == 1 && got[0] == 3, "a third row under its own hash");
	n = rows_of(&s, 7 + 8192, got, 8);
	ok(n == 1 && got[0] == 4, "a hash sharing a home slot is apart");
	ok(rows_of(&s, 9, got, 8) == 0, "an absent hash finds nothing");
	idset_release(&s);
}

static void
full(void)
{
	struct idset s;
	int64_t got[2];
	uint32_t h;
	int i, lost = 0;

	idset_init(&s, 100000);
	ok(idset_bytes(&s) == 0, "no table before the first row");
	for (i = 1; !idset_full(&s); i++)
		idset_add(&s, idset_hash((const char *)&i, sizeof(i)), i);
	is_num((double)s.n, 100000, 0, "full at the rows it was made for");
	for (i = 1; i <= 100000; i++) {
		h = idset_hash((const char *)&i, sizeof(i));
		if (rows_of(&s, h, got, 2) < 1)
			lost++;
	}
	is_num(lost, 0, 0, "every row is found after the table grew");
	is_num((double)idset_bytes(&s), 262144 * 8, 0,
	    "grown to the power of two holding them three quarters full");
	idset_release(&s);
	idset_init(&s, 3000000);
	for (i = 1; i <= 1000; i++)
		idset_add(&s, idset_hash((const char *)&i, sizeof(i)), i);
	is_num((double)idset_bytes(&s), 8192 * 8, 0,
	    "1,000 rows of a set for 3,000,000 hold 64 KiB, not 32 MiB");
	idset_add(&s, 1, IDSET_MAX);
	ok(rows_of(&s, 1, got, 2) == 1 && got[0] == IDSET_MAX,
	    "the largest rowid comes back whole");
	idset_release(&s);
	ok(idset_hash("", 0) != 0 && idset_hash("a", 1) != idset_hash("b", 1),
	    "hashes are never 0 and differ");
}

#define KEY	"SELECT count(*) FROM sqlite_master WHERE name = 'record_key'"
#define RUN(id)	"INSERT INTO run(id, tool, args, started_at) VALUES (" \
		#id ", 'cdp-ingest', '', 'x')"

/*
 * Loads a and b start on an empty store, each with its run written
 * first (run_begin): the one deciding second must neither bulk load nor
 * be left without record_key, whatever the order.
 */
static void
decide(void)
{
	struct sbuf why;
	sqlite3 *a, *b;
	char path[64];

	sb_init(&why);
	snprintf(path, sizeof(path), "%s/b.db", dir);
	if (db_open(path, DB_CREATE, &a, &why) == -1 ||
	    db_open(path, 0, &b, &why) == -1) {
		printf("Bail out! %s\n", why.buf);
		exit(1);
	}
	db_exec(a, RUN(1), &why);
	ok(bulk_begin(a, 1, 1, &why) == 1 && strcmp(sql_text(b, KEY), "0") == 0,
	    "alone on an empty store: a bulk load, record_key dropped");
	db_exec(b, RUN(2), &why);
	db_exec(a, "INSERT INTO source(id, name, created_at) VALUES "
	    "(1, 's', 'x'); INSERT INTO record(id, source_id, record_id, "
	    "email, raw, fp, first_run, run) VALUES (1, 1, 'r1', "
	    "'a@x.fr', '{}', 0, 1, 1)", &why);
	ok(bulk_begin(b, 0, 2, &why) == 0 && strcmp(sql_text(b, KEY), "1") == 0,
	    "a load that may not bulk load builds record_key it finds gone");
	is_str(sql_text(b, "SELECT kind || ' ' || value || ' ' || record FROM "
	    "ident"), "email a@x.fr 1", "and the idents of the rows so far");
	ok(bulk_begin(b, 1, 2, &why) == 0 && strcmp(sql_text(b, KEY), "1") == 0,
	    "nor does one that may: the store is not empty");

	/* empty again, a's run still running: b loads normally */
	db_exec(a, "DELETE FROM ident; DELETE FROM record", &why);
	ok(bulk_begin(b, 1, 2, &why) == 0 && strcmp(sql_text(a, KEY), "1") == 0,
	    "another load running: no bulk load, record_key kept");
	db_exec(a, "UPDATE run SET outcome = 'ok' WHERE id = 1", &why);
	ok(bulk_begin(b, 1, 2, &why) == 1 && strcmp(sql_text(a, KEY), "0") == 0,
	    "once it has ended, a bulk load");
	db_close(a);
	db_close(b);
	sb_release(&why);
}

/*
 * Issue 19: another writer's db_open repairs a bulk load that still
 * runs; the load's next transaction sees record_key back (bulk_adopt),
 * moves its stage into ident and drops it, and loads normally after.
 */
static void
adopt(void)
{
	struct sbuf why;
	sqlite3 *a, *c;
	char path[64];

	sb_init(&why);
	snprintf(path, sizeof(path), "%s/c.db", dir);
	if (db_open(path, DB_CREATE, &a, &why) == -1) {
		printf("Bail out! %s\n", why.buf);
		exit(1);
	}
	db_exec(a, RUN(1), &why);
	ok(bulk_begin(a, 1, 1, &why) == 1, "a bulk load");
	db_exec(a, "INSERT INTO source(id, name, created_at) VALUES "
	    "(1, 's', 'x'); INSERT INTO record(id, source_id, record_id, "
	    "email, raw, fp, first_run, run) VALUES (1, 1, 'r1', "
	    "'a@x.fr', '{}', 0, 1, 1); INSERT INTO temp.bulk_ident "
	    "VALUES ('email', 'a@x.fr', 1)", &why);
	db_begin(a, &why);
	ok(bulk_adopt(a, 0, &why) == 0, "no repair: the load goes on in bulk");
	db_commit(a, &why);
	is_str(sql_text(a, "SELECT count(*) FROM temp.bulk_ident"), "1",
	    "its stage kept");
	if (db_open(path, 0, &c, &why) == -1) {
		printf("Bail out! %s\n", why.buf);
		exit(1);
	}
	ok(strcmp(sql_text(c, KEY), "1") == 0, "another writer repairs");
	db_begin(a, &why);
	ok(bulk_adopt(a, 0, &why) == 1, "the load sees it in its transaction");
	db_commit(a, &why);
	is_str(sql_text(a, "SELECT count(*) FROM sqlite_temp_master WHERE "
	    "name = 'bulk_ident'"), "0", "its stage moved and dropped");
	is_str(sql_text(c, "SELECT kind || ' ' || value || ' ' || record FROM "
	    "ident"), "email a@x.fr 1", "the idents once each");
	db_begin(a, &why);
	ok(bulk_adopt(a, 0, &why) == 0, "without a stage: nothing to adopt");
	db_commit(a, &why);
	db_close(a);
	db_close(c);
	sb_release(&why);
}

int
main(void)
{
	char cmd[96];

	if (mkdtemp(dir) == NULL)
		return 1;
	collisions();
	full();
	decide();
	adopt();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
