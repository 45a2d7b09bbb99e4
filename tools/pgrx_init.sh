#!/usr/bin/env bash
# Points cargo-pgrx at the pg_config of a PostgreSQL major (cargo pgrx init, which keeps the
# other majors it knows), after leaving out of its configuration every major whose pg_config is
# gone (a make pg prefix deleted): pgrx's build reads each one it names, and fails on one missing.
#   bash tools/pgrx_init.sh <major> <pg_config>
set -euo pipefail
MAJOR=${1:?usage: pgrx_init.sh <major> <pg_config>}
PG_CONFIG=${2:?usage: pgrx_init.sh <major> <pg_config>}
CARGO=${CARGO:-cargo}
config="${PGRX_HOME:-$HOME/.pgrx}/config.toml"

if [ -f "$config" ]; then
    while read -r key value; do
        if [ ! -x "$value" ]; then
            echo "== cargo pgrx: leaving out $key, whose $value is gone"
            sed -i "/^$key *=/d" "$config"
        fi
    done < <(sed -nE 's/^(pg[0-9]+) *= *"(.*)"$/\1 \2/p' "$config")
fi
if grep -qs "^pg$MAJOR = \"$PG_CONFIG\"" "$config"; then exit 0; fi
echo "== cargo pgrx init --pg$MAJOR $PG_CONFIG"
"$CARGO" pgrx init "--pg$MAJOR" "$PG_CONFIG"
