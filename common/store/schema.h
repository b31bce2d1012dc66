/*
 * schema.h - the SQL of each schema version, applied in order by db_open.
 * migrations[i] brings a database from user_version i to i + 1.  A
 * released entry is never edited; a change is a new entry.
 */
#ifndef CDP_SCHEMA_H
#define CDP_SCHEMA_H

static const char *const migrations[] = {
	/* 0 -> 1: the store of cdp-ingest. */
	"CREATE TABLE source ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  format TEXT,"
	"  mapping TEXT,"
	"  created_at TEXT NOT NULL,"
	"  last_run INTEGER"
	");"
	"CREATE TABLE run ("
	"  id INTEGER PRIMARY KEY,"
	"  tool TEXT NOT NULL,"
	"  args TEXT NOT NULL,"
	"  source_id INTEGER,"
	"  pid INTEGER,"
	"  started_at TEXT NOT NULL,"
	"  ended_at TEXT,"
	"  seconds REAL,"
	"  rows_in INTEGER NOT NULL DEFAULT 0,"
	"  rows_ok INTEGER NOT NULL DEFAULT 0,"
	"  rows_rejected INTEGER NOT NULL DEFAULT 0,"
	"  inserted INTEGER NOT NULL DEFAULT 0,"
	"  updated INTEGER NOT NULL DEFAULT 0,"
	"  unchanged INTEGER NOT NULL DEFAULT 0,"
	"  warnings INTEGER NOT NULL DEFAULT 0,"
	"  outcome TEXT NOT NULL DEFAULT 'running',"
	"  message TEXT"
	");"
	"CREATE INDEX run_tool ON run(tool, source_id);"
	"CREATE TABLE run_file ("
	"  run INTEGER NOT NULL,"
	"  file TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  records INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE record ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  email TEXT, phone TEXT, customer_id TEXT, loyalty_id TEXT,"
	"  anonymous_id TEXT,"
	"  first_name TEXT, last_name TEXT, full_name TEXT,"
	"  first_name_key TEXT, last_name_key TEXT, full_name_key TEXT,"
	"  birth_date TEXT, gender TEXT, street TEXT, postal_code TEXT,"
	"  city TEXT, country TEXT,"
	"  event_type TEXT, ts TEXT, amount REAL, currency TEXT,"
	"  raw TEXT NOT NULL,"
	"  fp INTEGER NOT NULL,"
	"  first_run INTEGER NOT NULL,"
	"  run INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX record_key ON record(source_id, record_id);"
	"CREATE TABLE record_history ("
	"  record INTEGER NOT NULL,"
	"  run INTEGER NOT NULL,"
	"  raw TEXT NOT NULL,"
	"  replaced_at TEXT NOT NULL"
	");"
	"CREATE INDEX record_history_record ON record_history(record);"
	"CREATE TABLE ident ("
	"  kind TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  record INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, value, record)"
	") WITHOUT ROWID;"
	"CREATE TABLE consent ("
	"  id INTEGER PRIMARY KEY,"
	"  record INTEGER,"
	"  kind TEXT,"
	"  value TEXT,"
	"  purpose TEXT NOT NULL,"
	"  granted INTEGER NOT NULL,"
	"  ts TEXT NOT NULL,"
	"  source_id INTEGER,"
	"  run INTEGER"
	");"
	"CREATE INDEX consent_record ON consent(record);"
	"CREATE TABLE reject ("
	"  id INTEGER PRIMARY KEY,"
	"  run INTEGER NOT NULL,"
	"  source_id INTEGER,"
	"  file TEXT NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  raw BLOB"
	");"
	"CREATE INDEX reject_run ON reject(run);",

	/* 1 -> 2: identity resolution (cdp-match, cdp-merge). */
	"CREATE TABLE profile ("
	"  id INTEGER PRIMARY KEY,"
	"  created_run INTEGER NOT NULL,"
	"  updated_run INTEGER NOT NULL,"
	"  nrecords INTEGER NOT NULL DEFAULT 0,"
	"  first_seen TEXT, last_seen TEXT,"
	"  email TEXT, phone TEXT, customer_id TEXT, loyalty_id TEXT,"
	"  anonymous_id TEXT, first_name TEXT, last_name TEXT, full_name TEXT,"
	"  birth_date TEXT, gender TEXT, street TEXT, postal_code TEXT,"
	"  city TEXT, country TEXT"
	");"
	"CREATE TABLE member ("
	"  record INTEGER PRIMARY KEY,"
	"  profile INTEGER NOT NULL,"
	"  run INTEGER NOT NULL"
	");"
	"CREATE INDEX member_profile ON member(profile);"
	"CREATE TABLE link ("
	"  a INTEGER NOT NULL,"
	"  b INTEGER NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  weight REAL,"
	"  prob REAL,"
	"  evidence TEXT,"
	"  run INTEGER NOT NULL,"
	"  PRIMARY KEY (a, b)"
	") WITHOUT ROWID;"
	"CREATE INDEX link_b ON link(b);"
	"CREATE TABLE never_link ("
	"  a INTEGER NOT NULL,"
	"  b INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  PRIMARY KEY (a, b)"
	") WITHOUT ROWID;"
	"CREATE TABLE merge_log ("
	"  id INTEGER PRIMARY KEY,"
	"  run INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  profile INTEGER,"
	"  other INTEGER,"
	"  record INTEGER,"
	"  reason TEXT,"
	"  evidence TEXT,"
	"  ts TEXT NOT NULL"
	");"
	"CREATE INDEX merge_log_profile ON merge_log(profile);"
	"CREATE TABLE model ("
	"  name TEXT PRIMARY KEY,"
	"  json TEXT NOT NULL,"
	"  run INTEGER,"
	"  trained_at TEXT NOT NULL"
	");"
	"CREATE TABLE state ("
	"  key TEXT PRIMARY KEY,"
	"  value"
	");",

	/*
	 * 2 -> 3: scores and segments (cdp-score, cdp-segment).  score
	 * keeps the latest value of each (name, profile), keyed by name
	 * first so that a run replaces a whole score in key order and an
	 * expression finds one profile's value by one index probe.
	 */
	"CREATE TABLE score ("
	"  name TEXT NOT NULL,"
	"  profile INTEGER NOT NULL,"
	"  value,"
	"  run INTEGER NOT NULL,"
	"  PRIMARY KEY (name, profile)"
	") WITHOUT ROWID;"
	"CREATE TABLE score_def ("
	"  name TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  definition TEXT,"
	"  run INTEGER NOT NULL"
	");"
	"CREATE TABLE score_run ("
	"  run INTEGER PRIMARY KEY,"
	"  as_of TEXT NOT NULL,"
	"  horizon REAL,"
	"  discount REAL,"
	"  profiles INTEGER NOT NULL DEFAULT 0,"
	"  names TEXT NOT NULL"
	");"
	"CREATE TABLE segment ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  definition TEXT NOT NULL,"
	"  compiled TEXT NOT NULL,"
	"  params TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  created_run INTEGER NOT NULL,"
	"  last_eval_run INTEGER,"
	"  last_eval_at TEXT,"
	"  as_of TEXT,"
	"  size INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE segment_member ("
	"  segment INTEGER NOT NULL,"
	"  profile INTEGER NOT NULL,"
	"  since_run INTEGER NOT NULL,"
	"  PRIMARY KEY (segment, profile)"
	") WITHOUT ROWID;"
	"CREATE TABLE segment_change ("
	"  segment INTEGER NOT NULL,"
	"  run INTEGER NOT NULL,"
	"  profile INTEGER NOT NULL,"
	"  change TEXT NOT NULL CHECK (change IN ('enter', 'exit')),"
	"  PRIMARY KEY (segment, run, profile)"
	") WITHOUT ROWID;",

	/*
	 * 3 -> 4: activation and privacy (cdp-export, cdp-privacy).
	 * suppression holds salted hashes of erased identifiers, never the
	 * values; export_item says which profiles an export carried, so an
	 * erasure can list the destinations to notify.
	 */
	"CREATE TABLE suppression ("
	"  kind TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  erased_at TEXT NOT NULL,"
	"  PRIMARY KEY (kind, hash)"
	") WITHOUT ROWID;"
	"CREATE TABLE export_log ("
	"  id INTEGER PRIMARY KEY,"
	"  run INTEGER NOT NULL,"
	"  ts TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  dest TEXT,"
	"  format TEXT NOT NULL,"
	"  rows INTEGER NOT NULL,"
	"  sha256 TEXT,"
	"  complete INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE export_item ("
	"  export INTEGER NOT NULL,"
	"  profile INTEGER NOT NULL,"
	"  PRIMARY KEY (profile, export)"
	") WITHOUT ROWID;"
	"CREATE TABLE export_cursor ("
	"  segment TEXT NOT NULL,"
	"  dest TEXT NOT NULL,"
	"  run INTEGER NOT NULL,"
	"  export INTEGER,"
	"  PRIMARY KEY (segment, dest)"
	") WITHOUT ROWID;"
	"ALTER TABLE run ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0;"
	/*
	 * A consent statement reaches a profile through the record that
	 * made it, through an identifier it names (set by hand for an
	 * email or a phone) or by the profile id; the latest statement per
	 * profile and purpose wins.
	 */
	"CREATE VIEW consent_profile AS"
	"  SELECT m.profile AS profile, c.id AS id, c.purpose AS purpose,"
	"         c.granted AS granted, c.ts AS ts"
	"  FROM consent c JOIN member m ON m.record = c.record"
	"  UNION"
	"  SELECT m.profile, c.id, c.purpose, c.granted, c.ts"
	"  FROM consent c JOIN ident i ON i.kind = c.kind AND i.value = c.value"
	"  JOIN member m ON m.record = i.record"
	"  UNION"
	"  SELECT CAST(c.value AS INTEGER), c.id, c.purpose, c.granted, c.ts"
	"  FROM consent c WHERE c.kind = 'profile';"
	"CREATE VIEW profile_consent AS"
	"  SELECT profile, purpose, granted, ts FROM ("
	"    SELECT profile, purpose, granted, ts, row_number() OVER ("
	"      PARTITION BY profile, purpose ORDER BY ts DESC, id DESC) AS rn"
	"    FROM consent_profile)"
	"  WHERE rn = 1;"
	"CREATE INDEX consent_kv ON consent(kind, value);",
	/*
	 * 4 -> 5: the data catalog (cdp-catalog), kept by cdp-ingest as it
	 * stores each batch.  One row per source and field: a canonical
	 * field by its name, any other value by attr.<path> (arrays as []).
	 * Counts, the distinct estimate and the top values are columns for
	 * SQL; the sketches they come from are BLOBs (hll: HyperLogLog
	 * registers, top: Misra-Gries counters) so that each batch merges
	 * into them without rescanning the records.  catalog_run keeps each
	 * run's counts per field, for drift.
	 */
	"CREATE TABLE catalog ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL,"
	"  field TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  type TEXT,"
	"  present INTEGER NOT NULL DEFAULT 0,"
	"  n_string INTEGER NOT NULL DEFAULT 0,"
	"  n_integer INTEGER NOT NULL DEFAULT 0,"
	"  n_number INTEGER NOT NULL DEFAULT 0,"
	"  n_boolean INTEGER NOT NULL DEFAULT 0,"
	"  n_date INTEGER NOT NULL DEFAULT 0,"
	"  n_email INTEGER NOT NULL DEFAULT 0,"
	"  n_phone INTEGER NOT NULL DEFAULT 0,"
	"  n_object INTEGER NOT NULL DEFAULT 0,"
	"  n_array INTEGER NOT NULL DEFAULT 0,"
	"  n_null INTEGER NOT NULL DEFAULT 0,"
	"  given INTEGER,"
	"  valid INTEGER,"
	"  distinct_est INTEGER NOT NULL DEFAULT 0,"
	"  min_num REAL, max_num REAL, min_text TEXT, max_text TEXT,"
	"  top_values TEXT,"
	"  hll BLOB,"
	"  top BLOB,"
	"  first_seen TEXT NOT NULL,"
	"  last_seen TEXT NOT NULL,"
	"  first_run INTEGER NOT NULL,"
	"  last_run INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX catalog_key ON catalog(source_id, field);"
	"CREATE TABLE catalog_source ("
	"  source_id INTEGER PRIMARY KEY,"
	"  records INTEGER NOT NULL DEFAULT 0,"
	"  untracked INTEGER NOT NULL DEFAULT 0,"
	"  first_seen TEXT,"
	"  last_seen TEXT,"
	"  first_run INTEGER,"
	"  last_run INTEGER"
	");"
	"CREATE TABLE catalog_run ("
	"  source_id INTEGER NOT NULL,"
	"  run INTEGER NOT NULL,"
	"  field TEXT NOT NULL,"
	"  records INTEGER NOT NULL DEFAULT 0,"
	"  present INTEGER NOT NULL DEFAULT 0,"
	"  n_string INTEGER NOT NULL DEFAULT 0,"
	"  n_integer INTEGER NOT NULL DEFAULT 0,"
	"  n_number INTEGER NOT NULL DEFAULT 0,"
	"  n_boolean INTEGER NOT NULL DEFAULT 0,"
	"  n_date INTEGER NOT NULL DEFAULT 0,"
	"  n_email INTEGER NOT NULL DEFAULT 0,"
	"  n_phone INTEGER NOT NULL DEFAULT 0,"
	"  n_object INTEGER NOT NULL DEFAULT 0,"
	"  n_array INTEGER NOT NULL DEFAULT 0,"
	"  n_null INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (source_id, run, field)"
	") WITHOUT ROWID;"
	"CREATE VIEW catalog_summary AS"
	"  SELECT s.name AS source, c.field AS field, c.kind AS kind,"
	"         c.type AS type, cs.records AS records, c.present AS present,"
	"         round(1.0 * c.present / max(cs.records, 1), 4) AS fill,"
	"         CASE WHEN c.given > 0 THEN round(1.0 * c.valid / c.given, 4)"
	"         END AS validity,"
	"         c.distinct_est AS distinct_est,"
	"         coalesce(c.min_num, c.min_text) AS min,"
	"         coalesce(c.max_num, c.max_text) AS max,"
	"         c.top_values AS top_values,"
	"         c.first_seen AS first_seen, c.last_seen AS last_seen"
	"  FROM catalog c JOIN source s ON s.id = c.source_id"
	"  LEFT JOIN catalog_source cs ON cs.source_id = c.source_id;",

	/*
	 * 5 -> 6: cdp-match's keys of the records (match/stored_keys.h), so
	 * that an incremental run reads only the records the new ones can meet:
	 * the records of each blocking key and attribute identifier value
	 * (hashed), the run each record was keyed at, and the term frequencies
	 * of the compared values.  Empty on upgrade: with no 'matchkey'
	 * fingerprint in state, the next cdp-match run loads every record, as
	 * before, and fills them (the keys are the configuration's functions,
	 * not SQL).
	 */
	"CREATE TABLE matchkey ("
	"  kind INTEGER NOT NULL,"
	"  key INTEGER NOT NULL,"
	"  record INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, key, record)"
	") WITHOUT ROWID;"
	"CREATE TABLE matchrec ("
	"  record INTEGER PRIMARY KEY,"
	"  run INTEGER NOT NULL"
	");"
	"CREATE TABLE matchtf ("
	"  kind INTEGER NOT NULL,"
	"  key INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, key)"
	") WITHOUT ROWID;"
	"DELETE FROM state WHERE key = 'matchkey';"
	/*
	 * (id, run) of every record without reading the records: what
	 * cdp-match scans for the unresolved ones and cdp-merge for the
	 * runs, a few megabytes instead of the whole table.  Early builds
	 * of version 2 made it already (IF NOT EXISTS).
	 */
	"CREATE INDEX IF NOT EXISTS record_run ON record(run);",

	/*
	 * 6 -> 7: the recipients of an export, exactly (art. 17(2)): dest
	 * names the destination, path the file written (absolute), when it
	 * was one.
	 */
	"ALTER TABLE export_log ADD COLUMN path TEXT;",

	/*
	 * 7 -> 8: what cdp-status needs to miss nothing.  run_progress
	 * keeps a running writer's count of stored records about once a
	 * minute (store/run_log.h: run_progress), so that a live stream
	 * shows its rate; source.cadence is a source's declared delivery
	 * interval in seconds (cdp-status expect), NULL when its history
	 * tells.
	 */
	"CREATE TABLE run_progress ("
	"  run INTEGER NOT NULL,"
	"  at TEXT NOT NULL,"
	"  rows INTEGER NOT NULL,"
	"  PRIMARY KEY (run, at)"
	") WITHOUT ROWID;"
	"ALTER TABLE source ADD COLUMN cadence INTEGER;",

	/*
	 * 8 -> 9: what a changes export gave each destination (art. 17(2)
	 * and a mailer's delete): the values of its fields on the entry,
	 * as a JSON array, per segment, destination and profile, so the
	 * exit carries them whatever became of the profile since.  exited
	 * is the export that wrote the exit; the row goes once that
	 * export is known to be delivered.  The destinations a changes
	 * export gave a profile before this version are known, not the
	 * values: their keys stay NULL (the exit then has the current
	 * fields).
	 */
	"CREATE TABLE export_key ("
	"  segment TEXT NOT NULL,"
	"  dest TEXT NOT NULL,"
	"  profile INTEGER NOT NULL,"
	"  keys TEXT,"
	"  exited INTEGER,"
	"  PRIMARY KEY (segment, dest, profile)"
	") WITHOUT ROWID;"
	"INSERT OR IGNORE INTO export_key (segment, dest, profile)"
	"  SELECT substr(l.what, 9), l.dest, i.profile"
	"  FROM export_item i JOIN export_log l ON l.id = i.export"
	"  WHERE l.what LIKE 'changes %' AND l.complete AND l.dest IS NOT NULL;"
	/*
	 * A rejected line is stored once however often it is read (a
	 * rerun after an interruption, a file sent again): key is the
	 * SHA-256 of its line number and raw bytes, unique per source.
	 * Rows of earlier versions have none.
	 */
	"ALTER TABLE reject ADD COLUMN key TEXT;"
	"CREATE UNIQUE INDEX reject_key ON reject(source_id, key);",

	/*
	 * 9 -> 10: the organisation name (org_name), a canonical field of
	 * the records and a golden field of the profiles.
	 */
	"ALTER TABLE record ADD COLUMN org_name TEXT;"
	"ALTER TABLE profile ADD COLUMN org_name TEXT;",

	/*
	 * 10 -> 11: identity that does not depend on arrival order.
	 * held_link keeps the pairs above the threshold that are not
	 * links (a guard refused them, or a re-clustering left them out),
	 * so that cdp-merge can cluster a component again from all its
	 * pairs; link and held_link together are every stored pair.
	 */
	"CREATE TABLE held_link ("
	"  a INTEGER NOT NULL,"
	"  b INTEGER NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  weight REAL,"
	"  prob REAL,"
	"  evidence TEXT,"
	"  run INTEGER NOT NULL,"
	"  PRIMARY KEY (a, b)"
	") WITHOUT ROWID;"
	"CREATE INDEX held_link_b ON held_link(b);",

	/*
	 * 11 -> 12: what cdp-score read of each profile's events at its
	 * last run (score/score_state.h), so that a run at the same as-of
	 * date reads the events of the profiles touched since, not all:
	 * days are days since 1970-01-01, NULL for none; source_id the
	 * preferred source.  Numbers only, no identifier.
	 */
	"CREATE TABLE score_state ("
	"  profile INTEGER PRIMARY KEY,"
	"  first_day INTEGER, last_day INTEGER, first_event INTEGER,"
	"  occasions INTEGER NOT NULL, orders INTEGER NOT NULL,"
	"  w30 INTEGER NOT NULL, w90 INTEGER NOT NULL, w365 INTEGER NOT NULL,"
	"  engagement INTEGER NOT NULL, source_id INTEGER,"
	"  monetary REAL NOT NULL, zbar REAL NOT NULL"
	");",
};

#define NMIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))

#endif
