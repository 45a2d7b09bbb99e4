#!/usr/bin/env bash
# The Debian package as a DBA installs it (README "Install on a server without Rust"): remove
# the files make install put into PostgreSQL's folders, apt-get install the package built by
# tools/make_deb.sh; in a throwaway cluster create the extension (first without the preload:
# finml.progress answers 55000 and trainings warn once per session, with the hint), then with
# finml preloaded run the credit demo's queries; apt-get remove it and check that its files
# are gone.
# For a major that Debian 12 does not ship (16, 17, 18: make pg's builds), it checks the
# package's contents and that its library loads, preloaded, in that major's server, and answers.
# Needs root (apt-get): otherwise says SKIPPED. The Makefile reinstalls make install's files
# afterwards (test-deb).
#
# Prints "N passed, N failed" at the end; exits non-zero when a check fails.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "deb: SKIPPED (apt-get needs root)"
    exit 0
fi
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_USER=${PG_USER:-postgres}
PORT=${FINML_DEB_PORT:-54349}
BINDIR=$("$PG_CONFIG" --bindir)
LIBDIR=$("$PG_CONFIG" --pkglibdir)
EXTDIR=$("$PG_CONFIG" --sharedir)/extension
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/finml-deb-test.XXXXXX)
chmod 755 "$WORK"
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"

as_pg() { sudo -u "$PG_USER" -- "$@"; }
sql() { as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d deb "$@"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
finml_files() { ls "$LIBDIR"/finml.so "$EXTDIR"/finml.control "$EXTDIR"/finml--*.sql 2>/dev/null | wc -l; }
cleanup() {
    local status=$?
    if [ $status -ne 0 ] && [ -f "$WORK/server.log" ]; then tail -20 "$WORK/server.log"; fi
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    # A failed run leaves no package behind (the Makefile puts make install's files back).
    if [ -n "${package:-}" ] && installed "$package"; then
        DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove "$package" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

deb=$(DEB_PROFILE=debug DEB_OUT="$WORK" DEB_COMPRESSION=gzip PG_CONFIG="$PG_CONFIG" bash "$ROOT/tools/make_deb.sh")
chmod 644 "$deb"
version=$(dpkg-deb -f "$deb" Version)
echo "package: $(basename "$deb"), $(du -h "$deb" | cut -f1); Depends: $(dpkg-deb -f "$deb" Depends)"
major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
check "make deb names the package postgresql-<major>-finml_<version>_<arch>.deb" \
    "postgresql-$major-finml_${version}_$(dpkg --print-architecture).deb" \
    "$(basename "$deb")"
package=$(dpkg-deb -f "$deb" Package)
check "it holds the library, the control file, the install script, README and licence" 5 \
    "$(dpkg-deb -c "$deb" | grep -cE "/lib/finml\.so$|/finml\.control$|/finml--${version}\.sql$|/doc/$package/README\.md$|/doc/$package/copyright$")"

check "its files are where Debian's postgresql-$major looks, and it depends on that server" \
    "/usr/lib/postgresql/$major/lib/finml.so|/usr/share/postgresql/$major/extension/finml.control|postgresql-$major" \
    "$(dpkg-deb -c "$deb" | grep -oE "/usr/lib/postgresql/$major/lib/finml\.so$" || true)|$(dpkg-deb -c "$deb" \
        | grep -oE "/usr/share/postgresql/$major/extension/finml\.control$" || true)|$(dpkg-deb -f "$deb" Depends | cut -d, -f1)"

start_server() { # extra postgres options
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start -o \
        "-p $PORT -k $WORK -c listen_addresses='' $*" >/dev/null
}

# A major that this machine has only as make pg's build (Debian 12 has no postgresql-$major to
# install the package beside): the package's own files, copied into that server's folders in
# place of make install's, load there, preloaded, and answer.
if [ "$LIBDIR" != "/usr/lib/postgresql/$major/lib" ]; then
    dpkg-deb -x "$deb" "$WORK/unpacked"
    rm -f "$LIBDIR"/finml.so "$EXTDIR"/finml.control "$EXTDIR"/finml--*.sql
    install -m 644 "$WORK/unpacked/usr/lib/postgresql/$major/lib/finml.so" "$LIBDIR/"
    install -m 644 "$WORK/unpacked/usr/share/postgresql/$major/extension"/finml* "$EXTDIR/"
    chown "$PG_USER" "$WORK"
    as_pg "$BINDIR/initdb" -D "$WORK/data" -A trust -U "$PG_USER" --no-sync >/dev/null
    start_server -c shared_preload_libraries=finml
    as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/createdb" deb
    sql -c "CREATE EXTENSION finml"
    check "PostgreSQL $major loads the package's library (preloaded) and creates the extension" \
        "$version|0" "$(sql -c "SELECT extversion FROM pg_extension WHERE extname = 'finml'")|$(sql -c "SELECT count(*) FROM finml.progress")"
    cp "$ROOT/examples/credit/load.sql" "$ROOT/examples/credit/credit_data.csv" "$WORK/"
    chown -R "$PG_USER" "$WORK"
    sql -f "$WORK/load.sql" < "$WORK/credit_data.csv" >/dev/null
    check "a model trains and predicts on PostgreSQL $major with the package's library" "t" \
        "$(sql -c "SELECT version = 1 FROM fin_train('credit_risk', 'applications', 'status', options => '{\"positive\": \"bad\"}')" \
               -c "SELECT count(*) = 4454 AND bool_and(fin_predict('credit_risk', a) BETWEEN 0 AND 1) FROM applications a" | tail -1)"
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null
    checks_summary deb
    exit
fi

# A server without finml: what make install (or an earlier package) put there goes.
if installed "$package"; then DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove "$package" >/dev/null; fi
rm -f "$LIBDIR"/finml.so "$EXTDIR"/finml.control "$EXTDIR"/finml--*.sql
check "no finml files before the package" 0 "$(finml_files)"

DEBIAN_FRONTEND=noninteractive "${APT[@]}" install "$deb" >"$WORK/apt-install.log" 2>&1 ||
    { cat "$WORK/apt-install.log"; exit 1; }
check "apt-get install: the package is installed" "install ok installed" "$(dpkg-query -W -f='${Status}' "$package")"
check "the package owns the library" 1 "$(dpkg -L "$package" | grep -c "^$LIBDIR/finml.so$")"

chown "$PG_USER" "$WORK"
as_pg "$BINDIR/initdb" -D "$WORK/data" -A trust -U "$PG_USER" --no-sync >/dev/null
# First as a DBA who has not preloaded finml yet: it works, and says what is missing.
start_server
as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/createdb" deb
sql -c "CREATE EXTENSION finml"
check "CREATE EXTENSION finml from the package" "$version" "$(sql -c "SELECT extversion FROM pg_extension WHERE extname = 'finml'")"
cp "$ROOT/examples/credit/load.sql" "$ROOT/examples/credit/demo.sql" "$ROOT/examples/credit/credit_data.csv" "$WORK/"
chown -R "$PG_USER" "$WORK"
sql -f "$WORK/load.sql" < "$WORK/credit_data.csv" >/dev/null
unloaded=$(sql -v VERBOSITY=verbose -c "SELECT * FROM finml.progress" 2>&1 || true)
check "finml.progress without the preload: 55000, and the hint says what to do" 2 \
    "$(grep -cE '^ERROR:  55000: finml.progress needs finml in shared_preload_libraries|^HINT:  add finml to shared_preload_libraries' <<<"$unloaded")"
untracked=$(sql -c "SELECT version FROM fin_train('unslotted', 'applications', 'status', options => '{\"positive\": \"bad\"}')" \
                -c "SELECT version FROM fin_retrain('unslotted')" 2>&1)
check "trainings without the preload run, with one WARNING per session" "1|1" \
    "$(grep -c '^WARNING:  finml is not in shared_preload_libraries' <<<"$untracked")|$(grep -c '^HINT:  add finml to shared_preload_libraries' <<<"$untracked")"
sql -c "SELECT fin_drop_model('unslotted')" >/dev/null
as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null
# Then preloaded, as README says.
start_server -c shared_preload_libraries=finml
demo_status=0
sql -f "$WORK/demo.sql" > "$WORK/demo.log" 2>&1 || demo_status=$?
check "the demo's queries run" 0 "$demo_status"
check "the demo's model is deployed and predicts" "t" \
    "$(sql -c "SELECT count(*) = 4454 AND bool_and(fin_predict('credit_risk', a) BETWEEN 0 AND 1) FROM applications a")"
check "finml.progress answers (finml preloaded from the package)" 0 "$(sql -c "SELECT count(*) FROM finml.progress")"
check "fin_predict has its description" "Probability of the positive class (or the predicted value) of one row under the model's deployed (or named) version" \
    "$(sql -c "SELECT obj_description('fin_predict(text, record)'::regprocedure, 'pg_proc')")"
as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null

DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove "$package" >"$WORK/apt-remove.log" 2>&1 ||
    { cat "$WORK/apt-remove.log"; exit 1; }
check "apt-get remove: the package is gone" "" "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -v 'not-installed' || true)"
check "apt-get remove: its files are gone" 0 "$(finml_files)"

checks_summary deb
