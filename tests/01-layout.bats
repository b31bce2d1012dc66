#!/usr/bin/env bats
# The layout of libcdp (common/README.md): every source in a folder with
# a note, folders depending one way as the README's table says.  The
# check is run on the checkout, then on copies broken on purpose, so
# that it cannot pass by checking nothing.

load test_helper
bats_require_minimum_version 1.5.0

copy_common() {
	mkdir -p top
	cp -R "$CDP_TOP/common" top/common
}

@test "layout: common/ follows common/README.md" {
	run --separate-stderr "$CDP_TOP/scripts/check-layout" "$CDP_TOP"
	assert_equal "$stderr" ""
	assert_equal "$status" 0
}

@test "layout: an include against the order is found" {
	copy_common
	sed -i 's|^#include "store/database.h"|#include "merge/profile.h"\n&|' \
	    top/common/store/run_log.c
	run --separate-stderr "$CDP_TOP/scripts/check-layout" "$PWD/top"
	assert_equal "$status" 1
	assert_equal "$stderr" \
	    "store/run_log.c: includes merge/, not allowed for store/"
}

@test "layout: a flat include, a loose file, a folder with no note" {
	copy_common
	printf '#include "util.h"\n' >>top/common/core/hash.c
	touch top/common/loose.c
	mkdir top/common/extra
	rm top/common/privacy/README.md
	run --separate-stderr "$CDP_TOP/scripts/check-layout" "$PWD/top"
	assert_equal "$status" 1
	cat >want <<'OUT'
loose.c: not in a folder
core/hash.c: an include without its folder
extra/: no README.md
extra/: not in common/README.md's table
privacy/: no README.md
OUT
	printf '%s\n' "$stderr" >got
	diff -u want got
}

@test "layout: a table that lets a folder call one below it is refused" {
	copy_common
	sed -i 's/^| `core\/` | \(.*\) | libc, nettle |$/| `core\/` | \1 | libc, nettle, store |/' \
	    top/common/README.md
	grep -q 'libc, nettle, store' top/common/README.md
	run --separate-stderr "$CDP_TOP/scripts/check-layout" "$PWD/top"
	assert_equal "$status" 1
	assert_equal "$stderr" \
	    "README.md: core/ may call store/, which is not above it"
}
