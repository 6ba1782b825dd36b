#!/bin/sh
# The built library against the ABI baseline kept in the repository
# (tests/abi/libcrm.abi, written by abidw from abigail-tools). Functions may
# be added; a removed function, a changed signature or a changed public type
# fails, unless the SONAME was bumped (then regenerate the baseline).
#   check_abi.sh LIBRARY SOURCE_DIR           check
#   check_abi.sh LIBRARY SOURCE_DIR --update  rewrite the baseline
set -eu
lib=$1 src=$2
baseline=$src/tests/abi/libcrm.abi
headers=$src/include
dump() { abidw --headers-dir "$headers" --no-corpus-path --exported-interfaces-only "$lib"; }
if [ "${3:-}" = "--update" ]; then
    dump >"$baseline"
    echo "check_abi: baseline written to $baseline"
    exit 0
fi
soname_of() { sed -n "s/.*soname='\([^']*\)'.*/\1/p" | head -n 1; }
base_soname=$(soname_of <"$baseline")
built_soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
if [ "$base_soname" != "$built_soname" ]; then
    echo "check_abi: SONAME $base_soname -> $built_soname: a new major version;" \
        "regenerate the baseline (check_abi.sh LIB SRC --update)"
    exit 0
fi
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
abidiff --exported-interfaces-only --headers-dir1 "$headers" --headers-dir2 "$headers" "$baseline" "$lib" >"$report" || status=$?
cat "$report"
if [ $((status & 1)) -ne 0 ]; then
    echo "check_abi: abidiff itself failed (status $status)"
    exit 1
fi
# Summary lines: "Functions changes summary: R Removed, C Changed (...), A Added ..."
broken=$(sed -n 's/^\(Functions\|Variables\) changes summary: \([0-9]*\) Removed.*, \([0-9]*\) Changed.*/\2 \3/p' "$report" |
    awk '{ n += $1 + $2 } END { print n + 0 }')
if [ "$broken" -ne 0 ]; then
    echo "check_abi: FAIL: $broken removed or changed interfaces under SONAME $built_soname"
    exit 1
fi
echo "check_abi: compatible with the baseline (SONAME $built_soname)"
