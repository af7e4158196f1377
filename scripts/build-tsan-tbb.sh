#!/usr/bin/env bash
# Builds oneTBB with -fsanitize=thread for the tsan preset.
#
# Why: Debian's libtbb is not instrumented, so ThreadSanitizer cannot see the
# scheduler's own synchronisation (task spawn, join) and reports every read in
# a parallel body of data written before the loop as a race. Building the same
# oneTBB release from Debian's source package, with Debian's patches, with
# TBB_SANITIZE=thread makes those happens-before edges visible.
#
# The source comes from Debian's archive (the only archive the machine can
# reach), pinned by SHA-256; the result is cached, so a second call is free.
#   scripts/build-tsan-tbb.sh PREFIX     -> PREFIX/lib/cmake/TBB/TBBConfig.cmake
# Environment: JOBS (default 2), DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

PREFIX="${1:?usage: build-tsan-tbb.sh PREFIX}"
JOBS="${JOBS:-2}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# The source of libtbb-dev 2021.8.0-2+deb12u1, the version bookworm ships.
VERSION=2021.8.0
DEBIAN_REVISION=2+deb12u1
ORIG="onetbb_${VERSION}.orig.tar.xz"
ORIG_SHA256=7e9111b8bb59c8800bf6d0b06afe7b0891937443d2dae1ee1101c8e2ede6a7ef
PATCHES="onetbb_${VERSION}-${DEBIAN_REVISION}.debian.tar.xz"
PATCHES_SHA256=b83a270205b38cdf66972fa1467c3e29493b88b92ecacf4f3672e87d67199df5

if [[ -f "$PREFIX/lib/cmake/TBB/TBBConfig.cmake" && -f "$PREFIX/.mutsim-tsan-$VERSION" ]]; then
  echo "build-tsan-tbb: cached in $PREFIX"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fetch() {  # file sha256
  curl -fsSL --retry 3 -o "$1" "$MIRROR/pool/main/o/onetbb/$1"
  echo "$2  $1" | sha256sum --check --quiet
}
echo "build-tsan-tbb: fetching oneTBB $VERSION source from $MIRROR"
fetch "$ORIG" "$ORIG_SHA256"
fetch "$PATCHES" "$PATCHES_SHA256"
tar xf "$ORIG"
tar xf "$PATCHES"
cd "oneTBB-$VERSION"
while read -r patch; do
  [[ -z "$patch" || "$patch" == \#* ]] && continue
  patch -p1 --quiet < "../debian/patches/$patch"
done < ../debian/patches/series

echo "build-tsan-tbb: building libtbb with -fsanitize=thread"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF \
  -DTBBMALLOC_BUILD=OFF -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON >/dev/null
cmake --build build -j "$JOBS" >/dev/null
rm -rf "$PREFIX"
cmake --install build >/dev/null
touch "$PREFIX/.mutsim-tsan-$VERSION"
echo "build-tsan-tbb: installed in $PREFIX"
