#!/usr/bin/env bash
# The install, proven by a consumer outside the build: `meson install
# --destdir` from this build into a temporary directory, then
#   1. every promised file is there (libmcastrx.so and .a, the headers,
#      mcastrx.pc, the three programs, the example configurations and the
#      example's sources);
#   2. the installed header compiles on its own (C11 -pedantic, and C++);
#   3. the installed examples/feed_handler.c builds with plain `cc` and
#      `pkg-config --cflags --libs mcastrx` (shared libmcastrx), and again
#      with `pkg-config --static` against libmcastrx.a (no libmcastrx.so
#      needed at run time);
#   4. both binaries replay the installed example's capture (net_pcap) and
#      report exactly its deliberate gaps (installed run.sh --check);
#   5. the installed programs answer --help with exit 0.
#   install_consumer.sh BUILD_DIR SANITIZE   (SANITIZE: meson's b_sanitize)
set -euo pipefail
build=$(realpath "$1")
sanitize="${2:-none}"
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }

work=$(mktemp -d /tmp/mcastrx-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cflags=(-O2 -Wall -Wextra)
# a sanitized libmcastrx needs its runtime in the consumer too
[ "$sanitize" = none ] || cflags+=("-fsanitize=$sanitize")

meson install -C "$build" --destdir "$work/root" --no-rebuild --quiet >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "meson install"; }
pc=$(find "$work/root" -name mcastrx.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no mcastrx.pc installed"
# A staged install: point the .pc's prefix into the staging directory.
prefix=$(sed -n 's/^prefix=//p' "$pc")
case "$prefix" in /*) sed -i "s|^prefix=.*|prefix=$work/root$prefix|" "$pc" ;; esac
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir mcastrx)
includedir=$(pkg-config --variable=includedir mcastrx)
root="$work/root$prefix"
[ "$prefix" != "${prefix#/}" ] || root=$(dirname "$(dirname "$libdir")") # relocatable .pc

# 1. the files
missing=0
for f in "$libdir/libmcastrx.so" "$libdir/libmcastrx.a" "$includedir/mcastrx/mcastrx.h" \
  "$includedir/mcastrx/mrx_control.h" "$root/bin/mcastrx" "$root/bin/mcastctl" \
  "$root/bin/mcastrx-replay" "$root/share/mcastrx/configs/minimal.ini" \
  "$root/share/mcastrx/configs/market-data.ini" "$root/share/mcastrx/configs/iptv-headend.ini" \
  "$root/share/mcastrx/configs/demo.ini" "$root/share/mcastrx/examples/feed_handler.c" \
  "$root/share/mcastrx/examples/run.sh"; do
  [ -e "$f" ] || { echo "  not installed: ${f#$work/root}"; missing=$((missing + 1)); }
done
[ $missing -eq 0 ] || fail "$missing file(s) not installed"
grep -q '^Requires.private:.*libdpdk' "$pc" || fail "mcastrx.pc does not require libdpdk"
echo "ok: installed $(find "$work/root" -type f | wc -l) files; mcastrx.pc: $(pkg-config --libs mcastrx)"

# 2. the header alone
printf '#include <mcastrx.h>\nint main(void) { return (int)MCASTRX_DROP_MAX < 0; }\n' >"$work/header.c"
cc -std=c11 -pedantic -Werror "${cflags[@]}" -c "$work/header.c" -o "$work/header.o" \
  $(pkg-config --cflags mcastrx) || fail "the installed header does not compile alone (C11)"
if command -v c++ >/dev/null; then
  cp "$work/header.c" "$work/header.cc"
  c++ -std=c++17 -Werror "${cflags[@]}" -c "$work/header.cc" -o "$work/header_cc.o" \
    $(pkg-config --cflags mcastrx) || fail "the installed header does not compile as C++"
fi
echo "ok: <mcastrx.h> compiles alone (C11 -pedantic, C++17)"

# 3. the example, outside the build
example="$root/share/mcastrx/examples/feed_handler.c"
cc "${cflags[@]}" "$example" -o "$work/feed_handler" $(pkg-config --cflags --libs mcastrx) ||
  fail "feed_handler.c does not build with pkg-config --cflags --libs mcastrx"
LD_LIBRARY_PATH="$libdir" ldd "$work/feed_handler" | grep -q "libmcastrx.so.0 => $libdir/" ||
  fail "the shared build does not load the installed libmcastrx.so"
# --static: libmcastrx.a by name (the .so would win for -lmcastrx), DPDK's own static set
cc "${cflags[@]}" "$example" -o "$work/feed_handler_static" \
  $(pkg-config --static --cflags --libs mcastrx | sed 's/-lmcastrx\b/-l:libmcastrx.a/') ||
  fail "feed_handler.c does not build with pkg-config --static (libmcastrx.a)"
if ldd "$work/feed_handler_static" 2>/dev/null | grep -q libmcastrx; then
  fail "the static build still needs libmcastrx.so"
fi
echo "ok: feed_handler built with pkg-config, shared and --static"

# 4. both run on the example's capture and report exactly its gaps
for binary in feed_handler feed_handler_static; do
  LD_LIBRARY_PATH="$libdir" bash "$root/share/mcastrx/examples/run.sh" --check "$work/$binary" \
    >"$work/$binary.txt" 2>&1 || { cat "$work/$binary.txt"; fail "$binary: run.sh --check"; }
  echo "ok: $binary: $(tail -1 "$work/$binary.txt")"
done

# 5. the installed programs
for program in mcastrx mcastctl mcastrx-replay; do
  LD_LIBRARY_PATH="$libdir" "$root/bin/$program" --help >/dev/null 2>&1 ||
    fail "installed $program --help did not exit 0"
done
echo "PASS: installed, header alone, example built with pkg-config (shared, --static) and exact"
