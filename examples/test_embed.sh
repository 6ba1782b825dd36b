#!/usr/bin/env bash
# Tests that a program can embed an *installed* libcrm: installs the build to
# a temporary prefix, builds examples/embed/core_banking.c with pkg-config
# pointed at that prefix alone, runs it and checks its output.
#
#   examples/test_embed.sh BUILD_DIR
#
# BUILD_DIR is a configured and built CMake tree. Needs make, a C compiler
# and pkg-config. Works in a temporary directory it removes (kept with
# KEEP=1). Exits 1 when any check fails.
set -uo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/embed" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-embed.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failures=0

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*"
}

die() {
    echo "FAIL: $*"
    exit 1
}

# ------------------------------------------------------------- install

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    die "cmake --install failed: $(tail -n 5 "$tmp/install.log")"
mapfile -t pcs < <(find "$prefix" -name libcrm.pc)
[[ ${#pcs[@]} == 1 ]] || die "expected one libcrm.pc under $prefix, found ${#pcs[@]}"
export PKG_CONFIG_PATH=${pcs[0]%/*}

pc_prefix=$(pkg-config --variable=prefix libcrm) || die "pkg-config cannot read ${pcs[0]}"
[[ $pc_prefix -ef $prefix ]] ||
    fail "libcrm.pc says prefix=$pc_prefix but was installed to $prefix (not relocatable)"
cflags=$(pkg-config --cflags libcrm)
[[ $cflags == *"-I$prefix/"* ]] || fail "pkg-config --cflags libcrm is '$cflags', not in $prefix"
libdir=$(pkg-config --variable=libdir libcrm)
[[ -e $libdir/libcrm.so.1 ]] || fail "no libcrm.so.1 in libdir $libdir"

# --------------------------------------------------------------- build

ls -A "$src" >"$tmp/src-before"
make -C "$src" O="$tmp/out" CFLAGS="-O2 -Wall -Wextra -Werror -pedantic" >"$tmp/make.log" 2>&1 ||
    die "make failed: $(tail -n 10 "$tmp/make.log")"
ls -A "$src" | diff -u "$tmp/src-before" - >/dev/null ||
    fail "building with O= wrote into the source tree $src"
bin=$tmp/out/core_banking
[[ -x $bin ]] || die "no $bin after make"
grep -q -- "-I$prefix/" "$tmp/make.log" || fail "the compile line does not use $prefix/include"

# ----------------------------------------------------------------- run

export LD_LIBRARY_PATH=$libdir
# (captured first: grep -q closing the pipe early would fail it under pipefail)
linked=$(ldd "$bin")
grep -qF "libcrm.so.1 => $libdir/libcrm.so.1" <<<"$linked" ||
    fail "core_banking does not load libcrm from $libdir: $(grep crm <<<"$linked")"

cd "$tmp" || exit 1
if [[ -x $prefix/bin/crm ]]; then
    "$prefix/bin/crm" keygen bank.key >/dev/null || fail "installed crm keygen failed"
else
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >bank.key && echo >>bank.key)
fi

expect_lines() {
    local file=$1 line
    shift
    for line in "$@"; do
        grep -qxF -- "$line" "$file" || fail "$file lacks the line '$line'"
    done
}

"$bin" bank.db bank.key >run1.out 2>run1.err || fail "first run exited $?: $(cat run1.err)"
expect_lines run1.out \
    "libcrm 1.0.0 at run time, built against 1.0.0" \
    "opened bank.db" \
    "bootstrapped head office HO and admin core.admin" \
    "batch committed: 3 branches, 2 users" \
    "batch rolled back: branch SH was not kept" \
    "user liu.yang 刘洋 branch=BJ01 phone=137****5678" \
    "user sun.li 孙丽 branch=BJ phone=186****1234" \
    "audit chain intact: 7 entries" \
    "closed"
grep -q "^batch refused (invalid data: .*phone" run1.out || fail "run1.out lacks the refused batch"
grep -q "13712345678" run1.out && fail "a clear phone number was printed"

# Again, the key from CRM_KEY_FILE: nothing is loaded twice.
CRM_KEY_FILE=bank.key "$bin" bank.db >run2.out 2>run2.err || fail "second run exited $?"
expect_lines run2.out "database already initialised" "reference data already loaded" \
    "audit chain intact: 7 entries" "closed"

# The installed CLI reads what the embedding program wrote.
if [[ -x $prefix/bin/crm ]]; then
    "$prefix/bin/crm" --db bank.db --key-file bank.key --as core.admin user list >cli.out 2>&1 ||
        fail "installed crm user list failed: $(cat cli.out)"
    grep -q "^sun.li  *孙丽" cli.out || fail "installed crm does not list sun.li"
fi

# Failures are reported with the library's message and a non-zero status.
(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >wrong.key)
"$bin" bank.db wrong.key >wrong.out 2>wrong.err && fail "a wrong key was accepted"
grep -q "core_banking: open: key error" wrong.err || fail "wrong key not reported: $(cat wrong.err)"
"$bin" >/dev/null 2>&1
[[ $? == 2 ]] || fail "no arguments: expected exit 2"

# An outside CMake project finds the installed package with find_package.
mkdir -p "$tmp/cmake-user"
cat >"$tmp/cmake-user/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(crm_cmake_user C)
find_package(libcrm 1 REQUIRED)
add_executable(crm_cmake_user main.c)
target_link_libraries(crm_cmake_user PRIVATE libcrm::crm)
CMAKE
cat >"$tmp/cmake-user/main.c" <<'C'
#include <crm.h>
#include <stdio.h>
int main(void)
{
    printf("libcrm %s\n", crm_version_string());
    return crm_version_check(CRM_VERSION_NUMBER) == CRM_OK ? 0 : 1;
}
C
if cmake -S "$tmp/cmake-user" -B "$tmp/cmake-user/build" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$tmp/cmake-user.log" 2>&1 && cmake --build "$tmp/cmake-user/build" >>"$tmp/cmake-user.log" 2>&1; then
    LD_LIBRARY_PATH="$libdir" "$tmp/cmake-user/build/crm_cmake_user" \
        >cmake-user.out 2>&1 || fail "the find_package(libcrm) program failed: $(cat cmake-user.out)"
else
    fail "find_package(libcrm) from the installed prefix: $(tail -n 5 "$tmp/cmake-user.log")"
fi

if ((failures)); then
    echo "test_embed: $failures check(s) failed (files in $tmp with KEEP=1)"
    exit 1
fi
echo "test_embed: ok"
