#!/usr/bin/env bats
# The partitioned run (cdp-match -p, scripts/cdp-shard, cdp-scale(7)):
# the partitions' pairs are one run's, and the profiles and segments of
# cdp-shard on GNU parallel equal those of the single-store run.

load test_helper
bats_require_minimum_version 1.5.0

SHARD="$CDP_TOP/scripts/cdp-shard"

# A store of cdp-gen's five sources (300 people) with three segments.
setup() {
	common_setup
	"$CDP_TOP/scripts/cdp-gen" -n 300 -o gen >/dev/null
	local src f
	for src in crm shop store web service; do
		case $src in
		crm) f=crm.csv ;;
		shop) f=shop_orders.ndjson ;;
		store) f=store_tickets.csv ;;
		web) f=web_events.ndjson ;;
		service) f=service_tickets.csv ;;
		esac
		cdp-ingest -q -s "$src" -M "$CDP_TOP/share/spool/$src/$src.map" \
		    "gen/$f" 2>/dev/null || [ $? -eq 3 ] || return 1
	done
	cdp-segment -q define buyers 'count(purchase) >= 2'
	cdp-segment -q define paris "postal_code like '75%'"
	cdp-segment -q define reachable 'has_consent(email) and email is not null'
}

# profiles DB: each profile as the sorted list of its records, one line
# a profile, sorted: the clustering, whatever the profile ids.
profiles() {
	sqlite3 -batch "$1" "SELECT m.profile, s.name || ':' || r.record_id
	    FROM member m JOIN record r ON r.id = m.record
	    JOIN source s ON s.id = r.source_id" |
	    sort -t '|' -k1,1n -k2 | awk -F '|' '
	    $1 != p { if (NR > 1) print line; p = $1; line = $2; next }
	    { line = line " " $2 } END { if (NR) print line }' | sort
}

# segments DB: per segment, each member as its profile's first record.
segments() {
	sqlite3 -batch "$1" "SELECT g.name, min(s.name || ':' || r.record_id)
	    FROM segment_member sm JOIN segment g ON g.id = sm.segment
	    JOIN member m ON m.profile = sm.profile
	    JOIN record r ON r.id = m.record JOIN source s ON s.id = r.source_id
	    GROUP BY g.name, sm.profile" | sort
}

single() {	# single DB: the one-store run
	cdp-match -q -d "$1" >pairs.ndjson
	cdp-merge -q -d "$1" pairs.ndjson
	cdp-score -q -d "$1" 2>score.err
	cdp-segment -q -d "$1" eval
}

@test "shard: the partitions' pairs are the pairs of one run, each once" {
	sqlite3 "$CDP_DB" ".backup one.db"
	local i
	for i in 0 1 2 3; do
		sqlite3 "$CDP_DB" ".backup p$i.db"
		run cdp-match -q -d "p$i.db" -p "$i/4"
		[ "$status" -eq 0 ]
		printf '%s\n' "$output" | sed '$d' >"pairs-$i"
		[ -s "pairs-$i" ]
	done
	cdp-match -q -d one.db | sed '$d' | sort >want
	[ "$(wc -l <want)" -gt 1000 ]
	sort pairs-0 pairs-1 pairs-2 pairs-3 >got
	diff -u want got
	# No pair in two partitions.
	[ -z "$(sort pairs-0 pairs-1 pairs-2 pairs-3 | uniq -d)" ]
}

@test "shard: cdp-shard on 4 partitions, 3 parallel workers, equals the single-store run" {
	sqlite3 "$CDP_DB" ".backup one.db"
	single one.db
	run "$SHARD" -q -j 4 -P 3 -w work run
	[ "$status" -eq 0 ]
	# Nothing but what cdp-score says of the same data.
	expect score.err
	profiles one.db >want
	profiles "$CDP_DB" >got
	[ "$(wc -l <want)" -gt 300 ]
	diff -u want got
	segments one.db >want
	segments "$CDP_DB" >got
	[ "$(cut -d '|' -f1 want | sort -u | tr '\n' ' ')" = "buyers paris reachable " ]
	diff -u want got
	# Every record in one profile, and the work directory emptied.
	[ "$(q 'SELECT count(*) FROM record')" = "$(q 'SELECT count(*) FROM member')" ]
	[ -z "$(ls work)" ]
}

@test "shard: a missing partition changes the profiles (the comparison can fail)" {
	sqlite3 "$CDP_DB" ".backup one.db"
	single one.db
	local i
	for i in 1 2 3; do
		sqlite3 "$CDP_DB" ".backup p$i.db"
	done
	cdp-match -q -p 0/4 >pairs-0
	cdp-match -q -d p1.db -p 1/4 >pairs-1
	cdp-match -q -d p3.db -p 3/4 >pairs-3
	run cdp-merge -q pairs-0 pairs-1 pairs-3
	[ "$status" -eq 0 ]
	profiles one.db >want
	profiles "$CDP_DB" >got
	run diff -u want got
	[ "$status" -eq 1 ]
}

@test "shard: the next night, 1 new record in 100, sharded again, still equals" {
	sqlite3 "$CDP_DB" ".backup one.db"
	single one.db
	"$SHARD" -q -j 2 run
	# A new CRM customer and a web login of an existing one's email.
	local mail
	mail=$(q "SELECT email FROM record WHERE email IS NOT NULL ORDER BY id LIMIT 1")
	printf 'ID_CLIENT;PRENOM;NOM;EMAIL\r\nNEW1;Zoé;Quintard;zoe.quintard@new.test\r\n' >new.csv
	printf '{"event_id":"NEW-W1","anonymous_id":"cookie-new","email":"%s","type":"login","ts":"2024-06-30T10:00:00Z"}\n' "$mail" >new.ndjson
	for d in one.db "$CDP_DB"; do
		cdp-ingest -q -d "$d" -s crm -M "$CDP_TOP/share/spool/crm/crm.map" new.csv
		cdp-ingest -q -d "$d" -s web -M "$CDP_TOP/share/spool/web/web.map" new.ndjson
	done
	single one.db
	run "$SHARD" -q -j 3 run
	[ "$status" -eq 0 ]
	profiles one.db >want
	profiles "$CDP_DB" >got
	diff -u want got
	grep -q 'crm:NEW1' got
	grep -q 'web:NEW-W1' got
	segments one.db >want
	segments "$CDP_DB" >got
	diff -u want got
}

@test "shard: sbatch writes a job array and a global job, valid shell" {
	sqlite3 "$CDP_DB" ".backup one.db"
	run "$SHARD" -j 3 -w "$BATS_TEST_TMPDIR/w" sbatch
	[ "$status" -eq 0 ]
	w=$BATS_TEST_TMPDIR/w
	expect <<EOF
jid=\$(sbatch --parsable $w/match.sbatch) &&
    sbatch --dependency=afterok:\$jid $w/global.sbatch
EOF
	bash -n "$w/match.sbatch"
	bash -n "$w/global.sbatch"
	run cat "$w/match.sbatch"
	expect <<EOF
#!/bin/bash
#SBATCH --job-name=cdp-match
#SBATCH --array=1-2
#SBATCH --cpus-per-task=1
#SBATCH --output=$w/match-%a.log
# cdp-shard: partition \$SLURM_ARRAY_TASK_ID of 3, on its copy of the store.
i=\$SLURM_ARRAY_TASK_ID
cdp-match -q -d "$w/store-\$i.db" -p "\$i/3" > "$w/pairs-\$i.ndjson"
EOF
	run cat "$w/global.sbatch"
	expect <<EOF
#!/bin/bash
#SBATCH --job-name=cdp-global
#SBATCH --cpus-per-task=1
#SBATCH --output=$w/global.log
# cdp-shard: partition 0 on the store, then the global pass.
set -e
cdp-match -q -d "$CDP_DB" -p 0/3 > "$w/pairs-0.ndjson"
cdp-merge -q -d "$CDP_DB" "$w/pairs-0.ndjson" "$w/pairs-1.ndjson" "$w/pairs-2.ndjson"
cdp-score -q -d "$CDP_DB" || [ \$? -eq 3 ]
cdp-segment -q -d "$CDP_DB" eval
EOF
	# The copies are there for the tasks, private, and run as they say.
	[ "$(stat -c %a "$w/store-1.db")" = 600 ]
	[ -f "$w/store-2.db" ]
	SLURM_ARRAY_TASK_ID=1 bash "$w/match.sbatch"
	SLURM_ARRAY_TASK_ID=2 bash "$w/match.sbatch"
	bash "$w/global.sbatch" 2>/dev/null
	single one.db
	profiles one.db >want
	profiles "$CDP_DB" >got
	diff -u want got
}

@test "shard: sbatch with one partition writes only the global job" {
	run "$SHARD" -j 1 -w "$BATS_TEST_TMPDIR/w1" sbatch
	[ "$status" -eq 0 ]
	expect <<EOF
sbatch $BATS_TEST_TMPDIR/w1/global.sbatch
EOF
	run ls "$BATS_TEST_TMPDIR/w1"
	expect <<'EOF'
global.sbatch
EOF
}

@test "shard: usage errors exit 2" {
	run cdp-match -p 4/4
	[ "$status" -eq 2 ]
	expect <<'EOF'
cdp-match: -p "4/4": a partition PART/PARTS, 0 <= PART < PARTS <= 65536
EOF
	run cdp-match -p 1
	[ "$status" -eq 2 ]
	run "$SHARD" -j 0 run
	[ "$status" -eq 2 ]
	expect <<'EOF'
cdp-shard: -j 0: a number of partitions from 1
EOF
	run "$SHARD" -j 2 frobnicate
	[ "$status" -eq 2 ]
	run "$SHARD" -d nowhere.db run
	[ "$status" -eq 1 ]
	expect <<'EOF'
cdp-shard: nowhere.db: no such store
EOF
}

# An sshd on 127.0.0.1 at a free high port, its host key and the client's
# key made here, cdp's tools first on the PATH of its sessions; GNU
# parallel reaches it as the host "shardtest" through PARALLEL_SSH.
start_sshd() {
	local sshd=/usr/sbin/sshd port
	[ -x "$sshd" ] || skip "no sshd (openssh-server: scripts/install-deps)"
	command -v rsync >/dev/null || skip "no rsync (scripts/install-deps)"
	[ "$(id -u)" -eq 0 ] || [ -d /run/sshd ] ||
	    skip "sshd needs /run/sshd, which only root can make"
	mkdir -p -m 755 /run/sshd 2>/dev/null || skip "cannot make /run/sshd"
	S=$BATS_TEST_TMPDIR/ssh
	mkdir -m 700 "$S"
	ssh-keygen -q -t ed25519 -N '' -f "$S/host" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$S/user" || return 1
	cp "$S/user.pub" "$S/authorized_keys"
	port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$S/sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $S/host
	AuthorizedKeysFile $S/authorized_keys
	PidFile $S/sshd.pid
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	SetEnv PATH=$BIN:$CDP_TOP:/usr/bin:/bin
	EOF
	cat >"$S/ssh_config" <<-EOF
	Host shardtest
	  HostName 127.0.0.1
	  Port $port
	  User $(id -un)
	  IdentityFile $S/user
	  IdentitiesOnly yes
	  StrictHostKeyChecking no
	  UserKnownHostsFile /dev/null
	  BatchMode yes
	  LogLevel ERROR
	EOF
	"$sshd" -f "$S/sshd_config" -E "$S/sshd.log" ||
	    skip "sshd does not start: $(cat "$S/sshd.log")"
	export PARALLEL_SSH="ssh -F $S/ssh_config"
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ssh -F "$S/ssh_config" shardtest true 2>/dev/null && return 0
		sleep 0.5
	done
	skip "sshd on port $port does not answer: $(cat "$S/sshd.log")"
}

teardown() {
	if [ -f "${S:-/nonexistent}/sshd.pid" ]; then
		kill "$(cat "$S/sshd.pid")" 2>/dev/null || true
	fi
}

@test "shard: -S, the partitions on an ssh host (an sshd on 127.0.0.1), equal the single-store run" {
	start_sshd
	sqlite3 "$CDP_DB" ".backup one.db"
	single one.db
	run "$SHARD" -q -j 3 -P 2 -S shardtest -w work run
	[ "$status" -eq 0 ]
	expect score.err
	profiles one.db >want
	profiles "$CDP_DB" >got
	[ "$(wc -l <want)" -gt 300 ]
	diff -u want got
	segments one.db >want
	segments "$CDP_DB" >got
	diff -u want got
	# The host ran them: its log shows the sessions' keys accepted.
	grep -q 'Accepted publickey' "$S/sshd.log"
	[ -z "$(ls work)" ]
}
