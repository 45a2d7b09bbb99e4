# The shell tests' checks (sourced by deb.sh, faults.sh, citus.sh, pg_upgrade.sh): check NAME
# EXPECTED ACTUAL prints "ok: NAME" or "FAILED: NAME: expected [...], got [...]" and counts it;
# checks_summary prints "N passed, N failed" (after its argument) and fails when one did.
PASSED=0
FAILED=0
check() {
    local name=$1 expected=$2 actual=$3
    if [ "$expected" = "$actual" ]; then
        echo "ok: $name"
        PASSED=$((PASSED + 1))
    else
        echo "FAILED: $name: expected [$expected], got [$actual]"
        FAILED=$((FAILED + 1))
    fi
}
checks_summary() {
    echo "${1:+$1: }$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
