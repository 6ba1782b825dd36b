#!/bin/sh
# The public surface names one set three ways: functions declared with
# CRM_EXTERN in include/, symbols in lib/libcrm.map, and symbols the built
# library exports. Any difference fails, naming the symbols.
# usage: check_symbols.sh LIBRARY SOURCE_DIR
set -eu
lib=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2016
# Declarations may wrap after CRM_EXTERN(type): join each header into one line.
for h in "$src"/include/crm.h "$src"/include/crm/*.h; do tr '\n' ' ' <"$h"; echo; done |
    grep -oE 'CRM_EXTERN\([^)]*\)[[:space:]]*\**[[:space:]]*crm_[a-z0-9_]+' |
    grep -oE 'crm_[a-z0-9_]+$' | sort -u >"$tmp/headers"
grep -oE '^[[:space:]]+crm_[a-z0-9_]+;' "$src/lib/libcrm.map" | tr -d ' \t;' | sort -u >"$tmp/map"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported"

status=0
if ! grep -v '^crm_' "$tmp/exported" >"$tmp/foreign"; then :; fi
if [ -s "$tmp/foreign" ]; then
    echo "exported symbols outside crm_*:"; cat "$tmp/foreign"; status=1
fi
grep '^crm_' "$tmp/exported" >"$tmp/exported_crm" || true
for pair in "headers map" "map exported_crm" "headers exported_crm"; do
    set -- $pair
    if ! diff -u "$tmp/$1" "$tmp/$2" >"$tmp/diff"; then
        echo "$1 and $2 differ:"; grep -E '^[-+]crm_' "$tmp/diff"; status=1
    fi
done
echo "$(wc -l <"$tmp/headers") public functions; headers, version script and library agree: $([ $status = 0 ] && echo yes || echo no)"
exit $status
