/*
 * bench-score-gen - fill a cdp database with synthetic profiles and
 * events for scripts/bench-score, straight through the SQLite API (the
 * pipeline is not what is measured there).
 *
 *	bench-score-gen DB PROFILES EVENTS
 *
 * The database must exist with the cdp schema (cdp-ingest creates it).
 * Each profile is a customer acquired on a day of 2023-01-01..2024-06-30
 * with a first purchase that day, then purchases following the BG/NBD
 * story (rate ~ Gamma(0.7) / 70 per day, dropout after each purchase
 * with p ~ Beta(0.8, 2.5)) up to 2024-12-31, amounts by Gamma-Gamma
 * (Gamma(3, nu), nu ~ Gamma(4) / 100 per customer);
 * the other events (logins, page views, email clicks) are spread over
 * the profile's life until EVENTS are reached.  Deterministic (xorshift
 * seeded with a constant), so every run builds the same data.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY0	19358L		/* 2023-01-01 in days since 1970-01-01 */
#define NDAYS	731		/* to 2024-12-31 */

static unsigned long long rng = 0x2545F4914F6CDD1DULL;

static double
unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((rng >> 11) + 0.5) * 0x1p-53;
}

/* Marsaglia & Tsang; shape < 1 through the u^(1/k) boost */
static double
rgamma(double k)
{
	double d, c, x, v;

	if (k < 1)
		return rgamma(k + 1) * pow(unif(), 1 / k);
	d = k - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		x = sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
		if ((v = 1 + c * x) <= 0)
			continue;
		v = v * v * v;
		if (log(unif()) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

static void
day_str(long day, long sec, char *buf)
{
	long z = day + 719468, era, doe, yoe, y, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)(y % 10000),
	    (int)(m % 100), (int)(d % 100), (int)(sec / 3600 % 24),
	    (int)(sec / 60 % 60), (int)(sec % 60));
}

static void
check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench-score-gen: %s: %s\n", what,
		    sqlite3_errmsg(db));
		exit(1);
	}
}

/* One profile's purchase days, BG/NBD. */
static int
purchases(long start, int *days, int max)
{
	double lam = rgamma(0.7) / 70, a = rgamma(0.8), b = rgamma(2.5);
	double p = a / (a + b), t = start;
	int n = 0;

	days[n++] = (int)start;
	while (n < max) {
		if (unif() < p)
			break;		/* dropped out after the last one */
		t += -log(unif()) / lam;
		if (t >= NDAYS)
			break;
		days[n++] = (int)t;
	}
	return n;
}

int
main(int argc, char *argv[])
{
	static const char *const cities[] = { "Paris", "Lyon", "Marseille",
	    "Lille", "Nantes", "Bordeaux", "Toulouse", "Nice", "Bruxelles",
	    "Geneve" };
	static const char *const other[] = { "login", "page_view",
	    "email_click" };
	sqlite3 *db;
	sqlite3_stmt *ip, *ir, *im, *ic;
	long np, ne, i, rec = 0, nothers, start, rest;
	double nu;
	int *days, nd, k, j, s;
	char ts[32], buf[128], rid[32];

	if (argc != 4 || (np = atol(argv[2])) <= 0 || (ne = atol(argv[3])) <
	    np) {
		fprintf(stderr, "usage: bench-score-gen DB PROFILES EVENTS\n");
		return 2;
	}
	days = malloc(1000 * sizeof(*days));
	check(NULL, sqlite3_open(argv[1], &db), argv[1]);
	check(db, sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;"
	    "INSERT OR IGNORE INTO source(id, name, created_at) VALUES"
	    " (1, 'web', '2023-01-01T00:00:00Z'),"
	    " (2, 'shop', '2023-01-01T00:00:00Z'),"
	    " (3, 'store', '2023-01-01T00:00:00Z');"
	    "BEGIN", NULL, NULL, NULL), "setup");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO profile(id, created_run,"
	    " updated_run, nrecords, first_seen, last_seen, email, city,"
	    " country) VALUES (?, 1, 1, ?, ?, ?, ?, ?, ?)", -1, &ip, NULL),
	    "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO record(id, source_id,"
	    " record_id, event_type, ts, amount, currency, raw, fp, first_run,"
	    " run) VALUES (?, ?, ?, ?, ?, ?, 'EUR', ?, 0, 1, 1)", -1, &ir,
	    NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO member(record, profile,"
	    " run) VALUES (?, ?, 1)", -1, &im, NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO consent(record, purpose,"
	    " granted, ts, run) VALUES (?, 'email', ?, ?, 1)", -1, &ic, NULL),
	    "prepare");

	/* the events beyond purchases, shared out over the profiles */
	rest = ne;
	for (i = 1; i <= np; i++) {
		long first_rec = rec + 1;
		char first_ts[32], last_ts[32];
		int last = 0;

		start = (long)(unif() * 546);
		nd = purchases(start, days, 1000);
		nu = rgamma(4) / 100;
		nothers = (rest - (np - i + 1) * 3) / (np - i + 1);
		nothers = nothers < 0 ? 0 : (long)(unif() * 2 * nothers);
		if (i == np)
			nothers = rest - nd > 0 ? rest - nd : 0;
		for (k = 0; k < nd + nothers; k++) {
			int purchase = k < nd;
			long day = purchase ? days[k] : start + (long)(unif() *
			    (NDAYS - start));

			rec++;
			day_str(DAY0 + day, (long)(unif() * 86400), ts);
			if (k == 0)
				memcpy(first_ts, ts, sizeof(ts));
			if (day >= last) {
				last = (int)day;
				memcpy(last_ts, ts, sizeof(ts));
			}
			s = purchase ? 2 + (unif() < 0.3) : 1;
			snprintf(rid, sizeof(rid), "e%ld", rec);
			if (purchase)
				snprintf(buf, sizeof(buf), "{\"event_id\":\"%s\","
				    "\"store\":\"s%d\"}", rid,
				    (int)(unif() * 50));
			else
				snprintf(buf, sizeof(buf), "{\"event_id\":\"%s\","
				    "\"page\":\"/p%d\"}", rid,
				    (int)(unif() * 200));
			sqlite3_bind_int64(ir, 1, rec);
			sqlite3_bind_int(ir, 2, s);
			sqlite3_bind_text(ir, 3, rid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ir, 4, purchase ? "purchase" :
			    other[(int)(unif() * 3)], -1, SQLITE_STATIC);
			sqlite3_bind_text(ir, 5, ts, -1, SQLITE_TRANSIENT);
			if (purchase)
				sqlite3_bind_double(ir, 6, round(rgamma(3) /
				    nu * 100) / 100);
			else
				sqlite3_bind_null(ir, 6);
			sqlite3_bind_text(ir, 7, buf, -1, SQLITE_TRANSIENT);
			check(db, sqlite3_step(ir), "record");
			sqlite3_reset(ir);
			sqlite3_bind_int64(im, 1, rec);
			sqlite3_bind_int64(im, 2, i);
			check(db, sqlite3_step(im), "member");
			sqlite3_reset(im);
		}
		rest -= nd + nothers;
		if (unif() < 0.8) {
			sqlite3_bind_int64(ic, 1, first_rec);
			sqlite3_bind_int(ic, 2, unif() < 0.75);
			sqlite3_bind_text(ic, 3, first_ts, -1, SQLITE_TRANSIENT);
			check(db, sqlite3_step(ic), "consent");
			sqlite3_reset(ic);
		}
		j = (int)(unif() * 10);
		snprintf(buf, sizeof(buf), "u%ld@example.com", i);
		sqlite3_bind_int64(ip, 1, i);
		sqlite3_bind_int64(ip, 2, nd + nothers);
		sqlite3_bind_text(ip, 3, first_ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ip, 4, last_ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ip, 5, buf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ip, 6, cities[j], -1, SQLITE_STATIC);
		sqlite3_bind_text(ip, 7, j >= 8 ? (j == 8 ? "BE" : "CH") :
		    "FR", -1, SQLITE_STATIC);
		check(db, sqlite3_step(ip), "profile");
		sqlite3_reset(ip);
	}
	sqlite3_finalize(ip);
	sqlite3_finalize(ir);
	sqlite3_finalize(im);
	sqlite3_finalize(ic);
	check(db, sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)",
	    NULL, NULL, NULL), "commit");
	sqlite3_close(db);
	printf("%ld profiles, %ld records\n", np, rec);
	free(days);
	return 0;
}
