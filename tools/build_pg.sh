#!/usr/bin/env bash
# make pg PG_MAJOR=<16|17|18>: PostgreSQL <major> and pg_cron from their distribution source
# packages, built into a prefix outside the clone that later runs reuse (make pg then runs
# tools/pgrx_init.sh). Debian 12 ships only 15 (make setup installs Debian's binary packages);
# the newer majors come from the source packages of newer releases, looked up with an apt
# configuration of this script's own (deb-src only), so that the system's sources never list
# another release's binary packages (that would upgrade the machine):
#   17: Debian 13 (trixie), else Ubuntu 25.10   18: Debian unstable (sid), else Ubuntu 26.04
#   16: Ubuntu 24.04 (noble): no Debian release keeps 16, and Ubuntu's postgresql-16 is
#       Debian's packaging of it; its archive key comes from Debian's ubuntu-keyring package.
# The upstream tarball (.orig.tar) is checked against the SHA-256 that the release's signed
# index lists, then configured as the server's build needs (no docs, no contrib, no ICU);
# Debian's own patches move paths to the Debian layout, which this prefix does not use.
# About 2 minutes on 2 cores for the server, seconds for pg_cron.
#
#   bash tools/build_pg.sh <major> <prefix>
set -euo pipefail

MAJOR=${1:?usage: build_pg.sh <major> <prefix>}
PREFIX=${2:?usage: build_pg.sh <major> <prefix>}
JOBS=${JOBS:-$(nproc)}
# Run from make (make pg), the server's own make must not think it is a sub-make: PostgreSQL
# generates its headers (utils/errcodes.h) only at MAKELEVEL 0.
unset MAKELEVEL MAKEFLAGS MFLAGS
DEBIAN_KEYS=/usr/share/keyrings/debian-archive-keyring.gpg

# Where each major's source package is looked for, in order: Debian's release, then the Ubuntu
# release that carries the same major, its packaging taken from Debian's.
case $MAJOR in
    16) origins=("ubuntu noble-updates noble-security") ;;
    17) origins=("debian trixie" "ubuntu questing-updates questing-security questing") ;;
    18) origins=("debian sid" "ubuntu resolute-updates resolute-security resolute") ;;
    *) echo "build_pg: PostgreSQL $MAJOR is not built from source here (15 is Debian 12's own: make setup)" >&2
       exit 2 ;;
esac

built_major() { "$PREFIX/bin/pg_config" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/'; }
say() { echo "== build_pg $MAJOR: $*"; }

work="$PREFIX.build"
mkdir -p "$work"

apt_in() { # origin name, apt-get or apt-cache, its arguments: apt with the origin's own lists
    local dir="$work/apt-$1" tool=$2
    shift 2
    "$tool" -q -o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o Debug::NoLocking=1 \
        -o APT::Sandbox::User="$(id -un)" "$@"
}

ubuntu_keys() { # Ubuntu's archive key, from Debian's own package of it (downloaded, not installed)
    local dir="$work/apt-keyring"
    if [ ! -s "$dir/ubuntu-archive-keyring.gpg" ]; then
        mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
        echo "deb [signed-by=$DEBIAN_KEYS] http://deb.debian.org/debian trixie main" > "$dir/sources.list"
        apt_in keyring apt-get update >/dev/null
        (cd "$dir" && apt_in keyring apt-get download ubuntu-keyring >/dev/null)
        dpkg-deb -x "$dir"/ubuntu-keyring_*.deb "$dir/extracted"
        cp "$dir/extracted/usr/share/keyrings/ubuntu-archive-keyring.gpg" "$dir/"
    fi
    echo "$dir/ubuntu-archive-keyring.gpg"
}

prepare_origin() { # "debian <suite>..." or "ubuntu <suite>...": writes its sources.list, updates
    local distribution suites dir line keys archive components
    read -r distribution suites <<<"$1"
    dir="$work/apt-$distribution"
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    if [ "$distribution" = debian ]; then
        keys=$DEBIAN_KEYS archive=http://deb.debian.org/debian components=main
    else
        keys=$(ubuntu_keys) archive=http://archive.ubuntu.com/ubuntu components="main universe"
    fi
    for line in $suites; do
        echo "deb-src [signed-by=$keys] $archive $line $components"
    done > "$dir/sources.list"
    apt_in "$distribution" apt-get update >/dev/null
}

# Each file is checked against the SHA-256 that a signed index lists for it; the two archives
# carry the same upstream tarballs, so either may serve a file the other's index lists.
MIRRORS=(http://deb.debian.org/debian http://archive.ubuntu.com/ubuntu)

tarballs_listed() { # origin's name, package: "version directory sha256 file" a version, newest first
    apt_in "$1" apt-cache showsrc "$2" 2>/dev/null | awk '
        function flush() { if (file != "") print version, directory, sum, file; file = "" }
        /^$/                 { flush() }
        /^Version: /         { version = $2 }
        /^Directory: /       { directory = $2 }
        /^Checksums-Sha256:/ { sums = 1; next }
        /^[^ ]/              { sums = 0 }
        sums && $3 ~ /\.orig\.tar\./ { sum = $1; file = $3 }
        END { flush() }' | sort -k1,1 -urV
}

fetch_source() { # package, origins to look in; prints the folder of its extracted upstream tarball
    local package=$1 origin dir="$work/src-$1" version directory sum file mirror
    shift
    for origin in "$@"; do
        prepare_origin "$origin"
        while read -r version directory sum file; do
            # Debian keeps the package in main where Ubuntu may keep it in universe.
            for mirror in "${MIRRORS[@]/%//$directory}" "${MIRRORS[@]/%//pool/main/${directory#pool/*/}}"; do
                rm -rf "$dir" && mkdir -p "$dir"
                if curl -fsS -m 900 -o "$dir/$file" "$mirror/$file" 2>/dev/null \
                        && echo "$sum  $dir/$file" | sha256sum --check --quiet >/dev/null 2>&1; then
                    say "$file ($package $version, listed by $origin) from $mirror" >&2
                    tar -xf "$dir/$file" -C "$dir"
                    find "$dir" -mindepth 1 -maxdepth 1 -type d | head -1
                    return 0
                fi
            done
            say "$package $version ($origin): no mirror serves $file" >&2
        done < <(tarballs_listed "${origin%% *}" "$package")
    done
    echo "build_pg: no origin served the $package source package" >&2
    return 1
}

if [ "$(built_major)" != "$MAJOR" ]; then
    # What the build needs, from Debian 12's own packages (PostgreSQL 17's tarballs no longer
    # carry the parser files bison and flex make).
    if [ "$(id -u)" = 0 ] && { ! command -v bison >/dev/null || ! command -v flex >/dev/null; }; then
        say "installing bison, flex and the headers of readline and zlib (Debian 12)"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q install \
            bison flex libreadline-dev zlib1g-dev pkg-config >/dev/null
    fi
    src=$(fetch_source "postgresql-$MAJOR" "${origins[@]}")
    say "building $(basename "$src") into $PREFIX"
    log="$work/build.log"
    (cd "$src" && ./configure --prefix="$PREFIX" --without-icu --with-readline >"$log" 2>&1 \
        && make -j"$JOBS" -s >>"$log" 2>&1 && make -s install >>"$log" 2>&1) \
        || { tail -30 "$log" >&2; exit 1; }
    rm -rf "$src"
fi
say "$("$PREFIX/bin/pg_config" --version) in $PREFIX"

if [ ! -f "$PREFIX/share/extension/pg_cron.control" ]; then
    # pg_cron's newest release builds against every major from 15 on.
    src=$(fetch_source pg-cron "debian sid" "ubuntu resolute" "debian trixie" "ubuntu noble-updates noble")
    (cd "$src" && make -j"$JOBS" -s PG_CONFIG="$PREFIX/bin/pg_config" >"$work/pg_cron.log" 2>&1 \
        && make -s install PG_CONFIG="$PREFIX/bin/pg_config" >>"$work/pg_cron.log" 2>&1) \
        || { tail -30 "$work/pg_cron.log" >&2; exit 1; }
    rm -rf "$src"
fi
