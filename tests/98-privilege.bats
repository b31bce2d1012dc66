#!/usr/bin/env bats
# Least privilege for cdp-ingest, beyond 12-robust.bats (database and
# rejects file 0600 with umask 000): the WAL and shared-memory files
# while they exist, a database created by -d in a new place, and no
# personal data from the records in -v output.

load test_helper
bats_require_minimum_version 1.5.0

@test "privilege: the WAL and shm files of a running ingest are 0600 whatever the umask" {
	umask 000
	mkfifo pipe
	cdp-ingest -q -s live -i id <pipe &
	pid=$!
	exec 7>pipe
	printf '{"id":"1","email":"a@x.fr"}\n' >&7
	# The record is visible once its batch is committed, the WAL open.
	# (sqlite3 must not be the one to create the file: it would be 0666
	# less the umask, and the WAL would copy that.)
	n=0
	for i in $(seq 1 50); do
		[ -e "$CDP_DB" ] &&
		    n=$(q 'SELECT count(*) FROM record' 2>/dev/null || echo 0)
		[ "$n" = 1 ] && break
		sleep 0.1
	done
	assert_equal "$n" 1
	run stat -c '%a %n' "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"
	exec 7>&-
	wait "$pid"
	expect <<-EOF
	600 $CDP_DB
	600 $CDP_DB-wal
	600 $CDP_DB-shm
	EOF
}

@test "privilege: a database named with -d is created 0600 under umask 000 and 022" {
	printf 'id,email\n1,a@x.fr\n' >in.csv
	mkdir sub
	(umask 000 && cdp-ingest -q -d sub/a.db -s s -i id in.csv)
	(umask 022 && cdp-ingest -q -d b.db -s s -i id in.csv)
	run stat -c '%a %n' sub/a.db b.db
	expect <<-'EOF'
	600 sub/a.db
	600 b.db
	EOF
}

@test "privilege: -v shows the mapping and the counts, never a value from the records" {
	printf 'id;email;telephone;prenom;nom;date_naissance\n1;Jean.Dupont@Example.FR;06 12 34 56 78;Jean;Dupont;15/03/1985\n2;zoe@example.com;+33 6 98 76 54 32;Zoé;Martin;1992-02-29\n3;elodie@example.org;0033698765431\n' >crm.csv
	printf '{"id":"w1","user":{"email":"anne@example.net","phone":"0612345670"}}\n{"id":"w2","user":{"email":"secret@example.net",\n' >web.ndjson
	run --separate-stderr cdp-ingest -v -s crm -i id -c FR -T %d/%m/%Y crm.csv
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-ingest: crm.csv: map in force:
	@id id
	email=email	# recognised by name
	phone=telephone	# recognised by name
	first_name=prenom	# recognised by name
	last_name=nom	# recognised by name
	birth_date=date_naissance	# recognised by name
	cdp-ingest: crm.csv:4: expected 6 fields, got 3
	cdp-ingest: bulk load of 2 records: indexes built
	cdp-ingest: crm: 3 read, 2 inserted, 0 updated, 0 unchanged, 1 rejected
	EOF
	all=$stderr
	run --separate-stderr cdp-ingest -v -s web -i id -c FR \
	    -m email=user.email -m phone=user.phone web.ndjson
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-ingest: web.ndjson: map in force:
	@id id
	email=user.email
	phone=user.phone
	cdp-ingest: web.ndjson:2: invalid JSON at column 49: premature EOF
	cdp-ingest: web: 2 read, 1 inserted, 0 updated, 0 unchanged, 1 rejected
	EOF
	all="$all$stderr"
	# Spelled out, so that a change to the messages cannot hide one.
	for v in Jean.Dupont jean.dupont zoe@ elodie@ anne@ secret@ \
	    '06 12' 0612 '+33' 33698 Dupont Martin Zoé 1985 1992; do
		[[ "$all" != *"$v"* ]] || { echo "-v shows $v"; false; }
	done
	# The values themselves are stored, and the rejected line in full.
	run q "SELECT count(*) FROM record WHERE email IS NOT NULL"
	assert_output 3
	run q "SELECT raw FROM reject WHERE reason LIKE 'invalid JSON%'"
	assert_output '{"id":"w2","user":{"email":"secret@example.net",'
}
