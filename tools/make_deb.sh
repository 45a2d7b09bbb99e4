#!/usr/bin/env bash
# Builds the Debian package postgresql-<major>-finml_<version>_<arch>.deb (make deb): the
# library, the control file, the install and upgrade scripts (cargo pgrx package's tree), the
# README and the licence, with its dependencies declared: the PostgreSQL server of the major
# version it was built against, and the C libraries the library links (versions read from the
# symbols it uses, as dpkg-shlibdeps would). Installs on a server without Rust:
#   apt-get install ./postgresql-15-finml_0.12.0_amd64.deb
#
# PG_CONFIG: the PostgreSQL to build against; DEB_PROFILE: release (default) or debug (what
# tests/deb.sh packages, to reuse the debug build); DEB_OUT: the folder for the .deb (.);
# DEB_COMPRESSION: dpkg-deb's -Z (xz).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PROFILE=${DEB_PROFILE:-release}
OUT=${DEB_OUT:-$ROOT}
COMPRESSION=${DEB_COMPRESSION:-xz}
CARGO=${CARGO:-cargo}

major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)
arch=$(dpkg --print-architecture)
package=postgresql-$major-finml
deb="$OUT/${package}_${version}_${arch}.deb"

stage=$(mktemp -d /tmp/finml-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
profile_args=()
if [ "$PROFILE" = debug ]; then profile_args=(--debug); fi
(cd "$ROOT" && "$CARGO" pgrx package "${profile_args[@]}" --pg-config "$PG_CONFIG" \
    --no-default-features --features "pg$major" --out-dir "$stage/root" \
    >"$stage/package.log" 2>&1) || { cat "$stage/package.log" >&2; exit 1; }

built_library="$stage/root$("$PG_CONFIG" --pkglibdir)/finml.so"
[ -f "$built_library" ] || { echo "make_deb: cargo pgrx package left no $built_library" >&2; exit 1; }
# The package installs where Debian's postgresql-<major> looks (pg_config of Debian's layout),
# whatever prefix the server it was built against has (make pg's are under $PG_PREFIX).
library="$stage/root/usr/lib/postgresql/$major/lib/finml.so"
extension="$stage/root/usr/share/postgresql/$major/extension"
if [ "$built_library" != "$library" ]; then
    built_extension="$stage/root$("$PG_CONFIG" --sharedir)/extension"
    install -d "$(dirname "$library")" "$extension"
    mv "$built_library" "$library"
    mv "$built_extension"/finml* "$extension/"
    find "$stage/root" -mindepth 1 -depth -type d -empty -delete
fi
# Debian ships libraries without their symbol tables (dh_strip); PostgreSQL finds finml's
# functions through the dynamic symbols, which stay.
strip --strip-unneeded "$library"

doc="$stage/root/usr/share/doc/$package"
install -d "$doc"
install -m 644 "$ROOT/README.md" "$doc/README.md"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: finml"
    echo ""
    echo "Files: *"
    echo "Copyright: the finml authors"
    echo "License: MIT"
    sed 's/^$/./; s/^/ /' "$ROOT/LICENSE"
} > "$doc/copyright"

# The lowest versions of libc6 and libgcc-s1 that provide every versioned symbol finml uses.
symbols=$(objdump -T "$library")
highest() { { grep -o "$1_[0-9][0-9.]*" <<<"$symbols" || true; } | sed "s/^$1_//" | sort -V | tail -1; }
depends="postgresql-$major"
glibc=$(highest GLIBC)
[ -n "$glibc" ] && depends="$depends, libc6 (>= $glibc)"
gcc=$(highest GCC)
if grep -q 'NEEDED.*libgcc_s' <<<"$(objdump -p "$library")"; then
    depends="$depends, libgcc-s1${gcc:+ (>= $gcc)}"
fi

install -d "$stage/root/DEBIAN"
cat > "$stage/root/DEBIAN/control" <<CONTROL
Package: $package
Version: $version
Architecture: $arch
Maintainer: finml maintainers <finml@localhost>
Depends: $depends
Section: database
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage/root" | cut -f1)
Description: finml: train, store and apply financial models inside PostgreSQL $major
 Logistic regression, WoE scorecards, MLPs, k-means and isolation forests, trained
 over ordinary tables from SQL, versioned, deployed and rolled back in a catalog,
 applied with fin_predict and fin_score, evaluated, explained and monitored.
 .
 After installing: add finml to shared_preload_libraries (finml.progress and
 finml.max_concurrent_trainings live in shared memory), restart the server, and
 run CREATE EXTENSION finml in each database.
CONTROL

install -d "$OUT"
dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$stage/root" "$deb" >/dev/null
echo "$deb"
