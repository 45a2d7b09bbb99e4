#!/usr/bin/env bash
# Renders a model's fin_report to a PNG with headless Chromium, to look at it as a validator
# would. Usage: render_report.sh [database] [model] [output.png]   (defaults: finml_demo,
# credit_risk, /tmp/finml-<model>-report.png). Run `make demo` first. Needs the Debian package
# chromium-headless-shell (installed here when missing and run as root).
set -euo pipefail
DB=${1:-finml_demo}
MODEL=${2:-credit_risk}
PNG=${3:-/tmp/finml-${MODEL}-report.png}
HTML=$(mktemp /tmp/finml-report.XXXXXX.html)
trap 'rm -f "$HTML"' EXIT

if ! command -v chromium-headless-shell >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium-headless-shell fonts-dejavu-core
    else
        echo "install chromium-headless-shell (Debian) to render the report" >&2
        exit 1
    fi
fi

as_pg() { if [ "$(id -u)" = 0 ]; then sudo -u postgres -- "$@"; else "$@"; fi; }
# psql interpolates :'model' (quoted) in a script, not in -c.
as_pg psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -At -v model="$MODEL" <<'SQL' > "$HTML"
SELECT fin_report(:'model');
SQL
chmod 644 "$HTML"
chromium-headless-shell --no-sandbox --hide-scrollbars --window-size=1240,3400 \
    --screenshot="$PNG" "file://$HTML" 2>/dev/null
echo "$PNG"
