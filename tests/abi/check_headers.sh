#!/bin/sh
# Each public header compiles alone, as C11 and C++, with -pedantic -Werror
# (libgit2's header test): no header depends on another being included first.
# usage: check_headers.sh CC INCLUDE_DIR
set -eu
cc=$1 inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$inc"/crm.h "$inc"/crm/*.h; do
    rel=${h#"$inc"/}
    printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$rel" "$rel" >"$tmp/t.c"
    "$cc" -std=c11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
    if command -v g++ >/dev/null 2>&1; then
        cp "$tmp/t.c" "$tmp/t.cpp"
        g++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.cpp" -o "$tmp/t.o"
    fi
    n=$((n + 1))
done
echo "$n public headers compile alone with -pedantic -Werror"
