/*
 * t-catalog.c - the data catalog: sketches (HyperLogLog accuracy and
 * merging, Misra-Gries guarantees, encodings), value shapes and
 * masking, and the accumulator flushed into a database, with the
 * figures of tests/fixtures/catalog.ndjson computed by hand, a second
 * batch merged into the first, the rebuild of a batch from stored
 * records, and drift between two runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/sketch.h"
#include "catalog/value_shape.h"
#include "io/record_reader.h"
#include "store/database.h"
#include "tap.h"
#include "tsql.h"

static char dir[] = "/tmp/t-catalog.XXXXXX";
static sqlite3 *db;

static char *
text(const char *sql)
{
	return sql_text(db, sql);
}

static void
test_hll(void)
{
	struct hll a, b, u;
	struct sbuf enc;
	char v[32];
	long long c;
	int i;

	hll_init(&a);
	hll_init(&b);
	hll_init(&u);
	ok(hll_count(&a) == 0, "hll: empty counts 0");
	for (i = 0; i < 10; i++) {
		snprintf(v, sizeof(v), "v%d", i % 7);
		hll_add(&a, sk_hash64(v, strlen(v)));
	}
	ok(hll_count(&a) == 7, "hll: 7 distinct among 10 values, exactly");
	hll_init(&a);
	for (i = 0; i < 100000; i++) {
		snprintf(v, sizeof(v), "user%d@example.com", i);
		hll_add(i < 60000 ? &a : &b, sk_hash64(v, strlen(v)));
		hll_add(&u, sk_hash64(v, strlen(v)));
		if (i >= 50000 && i < 60000)	/* overlap of 10,000 */
			hll_add(&b, sk_hash64(v, strlen(v)));
	}
	c = hll_count(&u);
	ok(c > 95000 && c < 105000, "hll: 100,000 distinct within 5%");
	printf("# hll estimate of 100000: %lld\n", c);
	hll_merge(&a, &b);
	ok(memcmp(a.reg, u.reg, HLL_M) == 0, "hll: merge is the union");
	sb_init(&enc);
	hll_encode(&u, &enc);
	ok(enc.len == 3 + HLL_M, "hll: a full sketch is encoded dense");
	hll_init(&b);
	ok(hll_merge_encoded(&b, enc.buf, enc.len) == 0 &&
	    memcmp(b.reg, u.reg, HLL_M) == 0, "hll: dense round trip");
	hll_init(&a);
	hll_add(&a, sk_hash64("x", 1));
	hll_add(&a, sk_hash64("y", 1));
	sb_reset(&enc);
	hll_encode(&a, &enc);
	ok(enc.len == 5 + 6, "hll: two values are encoded sparse");
	hll_init(&b);
	ok(hll_merge_encoded(&b, enc.buf, enc.len) == 0 && hll_count(&b) == 2,
	    "hll: sparse round trip");
	ok(hll_merge_encoded(&b, enc.buf, enc.len - 1) == -1,
	    "hll: truncated sketch refused");
	enc.buf[0] = 'X';
	ok(hll_merge_encoded(&b, enc.buf, enc.len) == -1,
	    "hll: bad magic refused");
	sb_release(&enc);
}

static long long
hh_count(const struct hh *m, const char *v)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->it[i].val, v) == 0)
			return m->it[i].count;
	return 0;
}

static void
test_mg(void)
{
	struct hh a, b;
	struct sbuf enc;
	char v[32];
	int i;

	hh_init(&a);
	for (i = 0; i < 100; i++) {
		snprintf(v, sizeof(v), "c%d", i % 20);
		hh_add(&a, sk_hash64(v, strlen(v)), v, strlen(v));
	}
	ok(a.n == 20 && hh_count(&a, "c0") == 5 && hh_count(&a, "c19") == 5,
	    "hh: 20 distinct values counted exactly");
	/* 1,000 values: "hot" 300 times, 700 others once each. */
	hh_init(&a);
	for (i = 0; i < 1000; i++) {
		if (i % 10 < 3)
			snprintf(v, sizeof(v), "hot");
		else
			snprintf(v, sizeof(v), "u%d", i);
		hh_add(&a, sk_hash64(v, strlen(v)), v, strlen(v));
	}
	ok(hh_count(&a, "hot") >= 300 - 1000 / 21 &&
	    hh_count(&a, "hot") <= 300, "hh: heavy hitter within N/(k+1)");
	hh_sort(&a);
	is_str(a.it[0].val, "hot", "hh: heavy hitter ranked first");
	hh_init(&b);
	for (i = 0; i < 50; i++)
		hh_add(&b, sk_hash64("hot", 3), "hot", 3);
	hh_merge(&a, &b);
	ok(hh_count(&a, "hot") >= 350 - 1050 / 21, "hh: merge adds counts");
	sb_init(&enc);
	hh_encode(&a, &enc);
	hh_init(&b);
	ok(hh_merge_encoded(&b, enc.buf, enc.len) == 0 &&
	    hh_count(&b, "hot") == hh_count(&a, "hot"), "hh: round trip");
	ok(hh_merge_encoded(&b, enc.buf, enc.len - 1) == -1,
	    "hh: truncated sketch refused");
	sb_release(&enc);
	memset(v, 'x', sizeof(v));
	hh_init(&a);
	hh_add(&a, 1, "\xc3\xa9\xc3\xa9", 4);
	ok(sk_utf8_cut("a\xc3\xa9", 3, 2) == 1,
	    "sketch: a cut never splits a UTF-8 character");
}

static void
test_shape(void)
{
	static const struct {
		const char *v;
		int	 t;
	} cases[] = {
		{ "", SH_NULL }, { "  ", SH_NULL }, { "42", SH_INTEGER },
		{ "-7", SH_INTEGER }, { "12,50", SH_NUMBER },
		{ "3.14", SH_NUMBER }, { "TRUE", SH_BOOLEAN },
		{ "2024-03-01", SH_DATE }, { "2024-03-01T08:00:00Z", SH_DATE },
		{ "15/03/1985", SH_DATE }, { "04/02/2022 17:49", SH_DATE },
		{ "jean@example.fr", SH_EMAIL }, { "not-an-email", SH_STRING },
		{ "06 12 34 56 78", SH_PHONE }, { "0612345678", SH_PHONE },
		{ "+33612345678", SH_PHONE }, { "06.12.34.56.78", SH_PHONE },
		{ "75001", SH_INTEGER }, { "01000", SH_STRING },
		{ "SW1A 1AA", SH_STRING }, { "1.234.567", SH_STRING },
	};
	struct shape_date d;
	struct sbuf out;
	char desc[80];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(desc, sizeof(desc), "shape: \"%s\" is %s", cases[i].v,
		    shape_name(cases[i].t));
		is_str(shape_name(shape_of(cases[i].v, strlen(cases[i].v))),
		    shape_name(cases[i].t), desc);
	}
	ok(shape_date("13/11/1947", 10, &d) && !d.iso && d.a == 13 &&
	    d.b == 11 && d.sep == '/' && !strcmp(d.time, ""),
	    "shape: day-first date layout");
	ok(shape_date("04/02/2022 17:49", 16, &d) &&
	    !strcmp(d.time, " %H:%M"), "shape: date with a time");
	ok(!shape_date("31/31/2020", 10, &d), "shape: no month 31");
	sb_init(&out);
	shape_mask("jean.dupont@gmail.com", 21, SH_EMAIL, &out);
	is_str(out.buf, "j***@g***.com", "mask: email");
	shape_mask("+33 6 12 34 56 78", 17, SH_PHONE, &out);
	is_str(out.buf, "+33 6 ** ** ** 78", "mask: phone");
	shape_mask("1985-03-15", 10, SH_DATE, &out);
	is_str(out.buf, "1985-**-**", "mask: ISO date keeps the year");
	shape_mask("15/03/1985", 10, SH_DATE, &out);
	is_str(out.buf, "**/**/1985", "mask: d/m/Y date keeps the year");
	shape_mask("Élodie", 7, SH_STRING, &out);
	is_str(out.buf, "É***", "mask: a name keeps its first character");
	sb_release(&out);
	ok(cat_personal("email", SH_EMAIL) && cat_personal("last_name",
	    SH_STRING) && !cat_personal("city", SH_STRING),
	    "personal: canonical fields");
	ok(cat_personal("attr.customer.prenom", SH_STRING) &&
	    cat_personal("attr.x", SH_PHONE) &&
	    !cat_personal("attr.addr.city", SH_STRING),
	    "personal: raw paths by name and by value");
}

/* Read the fixture through rin into c, as cdp-ingest's reader does. */
static long
read_fixture(struct cat *c, const char *path, const char *mapfile,
    uint32_t *given)
{
	struct map map;
	struct rin_opts o;
	struct sbuf why;
	struct rin *r;
	struct rin_rec *rec;
	long n = 0;

	map_init(&map);
	sb_init(&why);
	if (map_load(&map, mapfile, &why) == -1) {
		printf("# %s\n", why.buf);
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.map = &map;
	o.country = "FR";
	if ((r = rin_open(path, &o, NULL, NULL)) == NULL)
		return -1;
	while (rin_next(r, &rec) == 1) {
		uint32_t g = cat_add(c, rec, rin_map(r));

		if (given != NULL)
			given[n] = g;
		n++;
	}
	rin_close(r);
	map_release(&map);
	sb_release(&why);
	return n;
}

#define FIX	"tests/fixtures/catalog.ndjson"
#define MAP	"tests/fixtures/catalog.map"

static const char fields_sql[] =
    "SELECT field, type, present, n_string, n_integer, n_number, n_boolean, "
    "n_date, n_email, n_phone, n_object, n_array, n_null, given, valid, "
    "distinct_est, coalesce(min_num, min_text), coalesce(max_num, max_text),"
    " top_values FROM catalog ORDER BY field";

static void
test_accumulate(void)
{
	struct cat *c = cat_new();
	struct sbuf why;
	uint32_t given[8];
	char path[64];

	sb_init(&why);
	snprintf(path, sizeof(path), "%s/cat.db", dir);
	if (db_open(path, DB_CREATE, &db, &why) == -1) {
		ok(0, why.buf);
		return;
	}
	db_exec(db, "INSERT INTO source(id, name, created_at) VALUES "
	    "(1, 's', 'x')", &why);
	ok(read_fixture(c, FIX, MAP, given) == 5, "catalog: 5 records added");
	ok(given[0] == (1u << C_EMAIL | 1u << C_CITY | 1u << C_POSTAL_CODE) &&
	    given[3] == (1u << C_CITY | 1u << C_POSTAL_CODE) &&
	    given[4] == (1u << C_PHONE), "catalog: given masks");
	cat_file(c, FIX, "ndjson", 123, 5, 0);
	ok(cat_pending(c), "catalog: pending before the flush");
	db_exec(db, "BEGIN", &why);
	ok(cat_flush(c, db, 1, 1, "2024-01-01T00:00:00Z", &why) == 0,
	    "catalog: flush");
	db_exec(db, "COMMIT", &why);
	cat_reset(c);
	ok(!cat_pending(c), "catalog: nothing pending after a reset");
	/*
	 * By hand: age 31, "42", null, 27.5, 31; tags ["a","b"], [], ["a"];
	 * email valid twice of three given ("" is not given); cities Paris,
	 * Lyon, Paris, paris.
	 */
	is_str(text(fields_sql),
	    "attr.addr|object|4|0|0|0|0|0|0|0|4|0|0|||0|||\n"
	    "attr.addr.city|string|4|4|0|0|0|0|0|0|0|0|0|||3|Lyon|paris|"
	    "[[\"Paris\",2],[\"Lyon\",1],[\"paris\",1]]\n"
	    "attr.addr.zip|integer|3|0|3|0|0|0|0|0|0|0|0|||2|69001.0|75001.0|"
	    "[[\"75001\",2],[\"69001\",1]]\n"
	    "attr.age|integer|4|0|3|1|0|0|0|0|0|0|1|||3|27.5|42.0|"
	    "[[\"31\",2],[\"27.5\",1],[\"42\",1]]\n"
	    "attr.email|email|3|1|0|0|0|0|2|0|0|0|1|||3|Ann@Example.com|"
	    "not-an-email|[[\"Ann@Example.com\",1],[\"bob@example.com\",1],"
	    "[\"not-an-email\",1]]\n"
	    "attr.id|integer|5|0|5|0|0|0|0|0|0|0|0|||5|1.0|5.0|"
	    "[[\"1\",1],[\"2\",1],[\"3\",1],[\"4\",1],[\"5\",1]]\n"
	    "attr.phone|phone|1|0|0|0|0|0|0|1|0|0|0|||1|06 12 34 56 78|"
	    "06 12 34 56 78|[[\"06 12 34 56 78\",1]]\n"
	    "attr.tags|array|3|0|0|0|0|0|0|0|0|3|0|||0|||\n"
	    "attr.tags[]|string|2|3|0|0|0|0|0|0|0|0|0|||2|a|b|"
	    "[[\"a\",2],[\"b\",1]]\n"
	    "attr.vip|boolean|3|0|0|0|3|0|0|0|0|0|0|||2|false|true|"
	    "[[\"true\",2],[\"false\",1]]\n"
	    "city|string|4|4|0|0|0|0|0|0|0|0|0|4|4|3|Lyon|paris|"
	    "[[\"Paris\",2],[\"Lyon\",1],[\"paris\",1]]\n"
	    "email|email|2|0|0|0|0|0|2|0|0|0|0|3|2|2|ann@example.com|"
	    "bob@example.com|[[\"ann@example.com\",1],[\"bob@example.com\",1]]\n"
	    "phone|phone|1|0|0|0|0|0|0|1|0|0|0|1|1|1|+33612345678|+33612345678|"
	    "[[\"+33612345678\",1]]\n"
	    "postal_code|integer|3|0|3|0|0|0|0|0|0|0|0|3|3|2|69001.0|75001.0|"
	    "[[\"75001\",2],[\"69001\",1]]",
	    "catalog: every figure of the fixture");
	is_str(text("SELECT records, untracked, first_run, last_run "
	    "FROM catalog_source"), "5|0|1|1", "catalog: source records");
	is_str(text("SELECT run, file, format, bytes, records, rejected "
	    "FROM run_file"), "1|" FIX "|ndjson|123|5|0",
	    "catalog: provenance in run_file");
	is_str(text("SELECT validity, fill FROM catalog_summary "
	    "WHERE field = 'email'"), "0.6667|0.4",
	    "catalog: validity and fill rate in catalog_summary");

	/* The same file again in run 2: counts double, distinct stays. */
	read_fixture(c, FIX, MAP, NULL);
	db_exec(db, "BEGIN", &why);
	cat_flush(c, db, 1, 2, "2024-01-02T00:00:00Z", &why);
	db_exec(db, "COMMIT", &why);
	cat_reset(c);
	is_str(text("SELECT present, n_integer, distinct_est, top_values, "
	    "first_seen, last_seen, first_run, last_run FROM catalog "
	    "WHERE field = 'attr.age'"), "8|6|3|[[\"31\",4],[\"27.5\",2],"
	    "[\"42\",2]]|2024-01-01T00:00:00Z|2024-01-02T00:00:00Z|1|2",
	    "catalog: a second batch merged into the stored sketches");
	is_str(text("SELECT records FROM catalog_source"), "10",
	    "catalog: source records add up");
	is_str(text("SELECT run, present, n_integer, records FROM catalog_run "
	    "WHERE field = 'attr.age' ORDER BY run"), "1|4|3|5\n2|4|3|5",
	    "catalog: each run's own counts");
	cat_free(c);
	sb_release(&why);
}

static void
test_stored_and_drift(void)
{
	static const char raw[] = "{\"id\":\"9\",\"email\":"
	    "\"Zoe@example.com\",\"age\":\"unknown\",\"loyalty\":\"L1\"}";
	struct cat *c = cat_new();
	struct cat_drift *d;
	struct sbuf why;
	const char *val[C_NCANON];
	uint32_t len[C_NCANON];
	size_t n, i;
	int k;

	sb_init(&why);
	/* Run 3: one record, rebuilt as the writer does; age now a string. */
	read_fixture(c, FIX, MAP, NULL);
	cat_drop_records(c);
	for (k = 0; k < C_NCANON; k++) {
		val[k] = NULL;
		len[k] = 0;
	}
	val[C_EMAIL] = "zoe@example.com";
	len[C_EMAIL] = 15;
	cat_add_stored(c, raw, strlen(raw), val, len, 1u << C_EMAIL);
	db_exec(db, "BEGIN", &why);
	ok(cat_flush(c, db, 1, 3, "2024-01-03T00:00:00Z", &why) == 0,
	    "catalog: flush of a rebuilt batch");
	db_exec(db, "COMMIT", &why);
	is_str(text("SELECT records FROM catalog_source"), "11",
	    "catalog: only the stored record counted");
	is_str(text("SELECT given, valid FROM catalog WHERE field = 'email'"),
	    "7|5", "catalog: given and valid of the stored record");
	ok(cat_drift_find(db, NULL, &d, &n, &why) == 0, "drift: found");
	sb_reset(&why);
	for (i = 0; i < n; i++)
		sb_addf(&why, "%s %lld/%lld %s %d %s>%s\n", d[i].source,
		    d[i].run, d[i].prev, d[i].field, d[i].change,
		    d[i].was ? d[i].was : "-", d[i].now ? d[i].now : "-");
	is_str(why.buf,
	    "s 3/2 attr.loyalty 0 ->string\n"
	    "s 3/2 attr.addr 1 object>-\n"
	    "s 3/2 attr.addr.city 1 string>-\n"
	    "s 3/2 attr.addr.zip 1 integer>-\n"
	    "s 3/2 attr.phone 1 phone>-\n"
	    "s 3/2 attr.tags 1 array>-\n"
	    "s 3/2 attr.tags[] 1 string>-\n"
	    "s 3/2 attr.vip 1 boolean>-\n"
	    "s 3/2 city 1 string>-\n"
	    "s 3/2 phone 1 phone>-\n"
	    "s 3/2 postal_code 1 integer>-\n"
	    "s 3/2 attr.age 2 integer>string\n",
	    "drift: new, missing and changed fields of the last run");
	cat_drift_free(d, n);
	cat_free(c);
	sb_release(&why);
}

/* Erasure: the record of "Ann" forgotten after runs 1 to 3. */
static void
test_forget(void)
{
	static const char raw[] = "{\"id\":\"1\",\"email\":"
	    "\"Ann@Example.com\",\"age\":31,\"tags\":[\"a\",\"b\"],"
	    "\"addr\":{\"city\":\"Paris\",\"zip\":\"75001\"},"
	    "\"vip\":true}";
	const char *val[C_NCANON] = { 0 };
	uint32_t len[C_NCANON] = { 0 };
	struct sbuf why;

	sb_init(&why);
	val[C_EMAIL] = "ann@example.com";
	len[C_EMAIL] = 15;
	val[C_CITY] = "Paris";
	len[C_CITY] = 5;
	db_exec(db, "BEGIN", &why);
	ok(cat_forget(db, 1, raw, strlen(raw), val, len, &why) == 0,
	    "forget: done");
	db_exec(db, "COMMIT", &why);
	is_str(text("SELECT field, min_text, max_text, top_values FROM catalog "
	    "WHERE field IN ('email', 'attr.email') ORDER BY field"),
	    "attr.email||not-an-email|[[\"bob@example.com\",2],"
	    "[\"not-an-email\",2],[\"Zoe@example.com\",1]]\n"
	    "email||zoe@example.com|[[\"bob@example.com\",2],"
	    "[\"zoe@example.com\",1]]",
	    "forget: the emails are gone from top values, min and max");
	is_str(text("SELECT top_values FROM catalog WHERE field IN "
	    "('city', 'attr.tags[]', 'attr.id') ORDER BY field"),
	    "[[\"2\",2],[\"3\",2],[\"4\",2],[\"5\",2],[\"9\",1]]\n"
	    "[]\n"
	    "[[\"Paris\",4],[\"Lyon\",2],[\"paris\",2]]",
	    "forget: masked fields (free text: tags) lose the value, others "
	    "its rare values only");
	is_str(text("SELECT present, distinct_est FROM catalog "
	    "WHERE field = 'email'"), "5|3", "forget: counts are kept");
	sb_release(&why);
}

/* A stored record's raw JSON into c, with no canonical fields. */
static void
add_json(struct cat *c, const struct sbuf *raw)
{
	const char *val[C_NCANON] = { 0 };
	uint32_t len[C_NCANON] = { 0 };

	cat_add_stored(c, raw->buf, raw->len, val, len, 0);
}

/* Flush c as run `run` of a new source id `name`: cat_flush's result. */
static int
flush_source(struct cat *c, int id, const char *name, long long run,
    const char *ts)
{
	struct sbuf why;
	char sql[128];
	int rc;

	sb_init(&why);
	snprintf(sql, sizeof(sql), "INSERT INTO source(id, name, created_at) "
	    "VALUES (%d, '%s', 'x')", id, name);
	db_exec(db, sql, &why);
	db_exec(db, "BEGIN", &why);
	rc = cat_flush(c, db, id, run, ts, &why);
	db_exec(db, "COMMIT", &why);
	sb_release(&why);
	return rc;
}

static void
test_cap(void)
{
	struct cat *c = cat_new();
	struct sbuf raw;
	int i;

	sb_init(&raw);
	sb_adds(&raw, "{");
	for (i = 0; i < CAT_MAX_FIELDS + 5; i++)
		sb_addf(&raw, "%s\"k%d\":%d", i ? "," : "", i, i);
	sb_adds(&raw, "}");
	add_json(c, &raw);
	ok(flush_source(c, 2, "wide", 4, "2024-01-04T00:00:00Z") == 0,
	    "cap: flush");
	is_str(text("SELECT count(*) FROM catalog WHERE source_id = 2 AND "
	    "kind = 'raw'"), "2000", "cap: 2,000 raw paths per source");
	is_str(text("SELECT untracked FROM catalog_source WHERE source_id = 2"),
	    "5", "cap: values of further paths counted as untracked");
	cat_free(c);
	sb_release(&raw);
}

/*
 * Values that share a slot of a field's hash cache (same length, first
 * and last bytes) alternate: each keeps its own hash, so its own count.
 */
static void
test_hcache(void)
{
	struct cat *c = cat_new();
	struct sbuf raw;
	int i;

	sb_init(&raw);
	for (i = 0; i < 200; i++) {
		sb_reset(&raw);
		sb_addf(&raw, "{\"k\":\"a%db\",\"long\":\"%048d\"}", i % 10,
		    i % 4);
		add_json(c, &raw);
	}
	ok(flush_source(c, 3, "slots", 5, "2024-01-05T00:00:00Z") == 0,
	    "hash cache: flush");
	is_str(text("SELECT distinct_est, top_values FROM catalog WHERE "
	    "source_id = 3 AND field = 'attr.k'"), "10|[[\"a0b\",20],"
	    "[\"a1b\",20],[\"a2b\",20],[\"a3b\",20],[\"a4b\",20],"
	    "[\"a5b\",20],[\"a6b\",20],[\"a7b\",20],[\"a8b\",20],"
	    "[\"a9b\",20]]", "hash cache: values sharing a slot stay apart");
	is_str(text("SELECT distinct_est FROM catalog WHERE source_id = 3 AND "
	    "field = 'attr.long'"), "4", "hash cache: values too long for it");
	cat_free(c);
	sb_release(&raw);
}

int
main(void)
{
	char path[64];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_hll();
	test_mg();
	test_shape();
	test_accumulate();
	test_stored_and_drift();
	test_forget();
	test_cap();
	test_hcache();
	db_close(db);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return done_testing();
}
