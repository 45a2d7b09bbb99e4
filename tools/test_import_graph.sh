#!/usr/bin/env bash
# Self-test of tools/import_graph.py (make lint), without cargo: in a temporary folder,
#  1. copies of the real tree (DESIGN.md, src, models/src) with one violation planted in each:
#     (i) an api file importing another, (ii) an upward import (models' error.rs naming
#     crate::train::train), (iii) a file grown past 900 lines, (iv) a 130-line fn without a
#     `long:` marker; the tool must exit 1 and name that violation (a line the unplanted copy
#     does not print: the real tree may fail other checks while it is being split up);
#  2. a minimal synthetic crate that keeps every rule (test modules and a marked long fn
#     included, raw strings and char literals holding braces) must pass, and fail with the
#     expected message once each violation is planted in it, along with an unlisted module,
#     a listed module that does not exist and a folder listed file by file but for one.
# Prints its failures and a last line; -v prints each check.
set -u
verbose=0
[ "${1:-}" = -v ] && verbose=1
repo=$(cd "$(dirname "$0")/.." && pwd)
tool="$repo/tools/import_graph.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() {
    if [ "$verbose" = 1 ]; then echo "ok   $1"; fi
}

# run DIR CRATE: the tool's output on DIR/CRATE, run from DIR; its status in $rc.
run() {
    out=$(cd "$1" && python3 "$tool" --quiet "$2" 2>&1)
    rc=$?
}

# expect NAME DIR CRATE PATTERN: the tool exits 1 and prints a line matching PATTERN (grep -E).
expect() {
    run "$2" "$3"
    if [ "$rc" = 1 ] && grep -qE -- "$4" <<<"$out"; then
        ok "$1"
    else
        echo "FAIL $1: want exit 1 and a line matching: $4"
        echo "     got exit $rc:"; sed 's/^/     | /' <<<"$out"
        failures=$((failures + 1))
    fi
}

# absent NAME DIR CRATE PATTERN: the tool prints no line matching PATTERN.
absent() {
    run "$2" "$3"
    if grep -qE -- "$4" <<<"$out"; then
        echo "FAIL $1: unexpected line matching: $4"; sed 's/^/     | /' <<<"$out"
        failures=$((failures + 1))
    else
        ok "$1"
    fi
}

# passes NAME DIR CRATE: the tool exits 0.
passes() {
    run "$2" "$3"
    if [ "$rc" = 0 ]; then
        ok "$1"
    else
        echo "FAIL $1: want exit 0, got $rc:"; sed 's/^/     | /' <<<"$out"
        failures=$((failures + 1))
    fi
}

# fresh NAME: a new copy of the real tree, in $tmp/real-NAME.
fresh() {
    local d="$tmp/real-$1"
    mkdir -p "$d/models"
    cp "$repo/DESIGN.md" "$d/"
    cp -R "$repo/src" "$d/src"
    cp -R "$repo/models/src" "$d/models/src"
    echo "$d"
}

# long_fn NAME LINES [MARKER]: a fn whose body is LINES lines (braces included), braces in
# its strings and chars, after an optional marker comment.
long_fn() {
    echo
    [ -n "${3:-}" ] && echo "$3"
    echo "/// Planted by tools/test_import_graph.sh."
    echo "pub fn $1() -> usize {"
    echo '    let mut n = r#"{ "{{" "#.len() + "}}\"{".len();'
    echo "    if '{' == '}' { n += 1; }"
    for i in $(seq 6 "$2"); do echo "    n += $i;"; done
    echo "    n"
    echo "}"
}

# --- 1. the real tree -----------------------------------------------------------------------

d=$(fresh api)
absent "real tree: no api file imports api::scoring_code" "$d" src "API: src/api/train.rs: api::train imports api::scoring_code"
sed -i '1i use crate::api::scoring_code::other;' "$d/src/api/train.rs"
expect "(i) an api file imports another" "$d" src \
    "^API: src/api/train.rs: api::train imports api::scoring_code: no api file imports another"

d=$(fresh upward)
absent "real tree: error imports nothing above it" "$d" models/src "LAYERS: models/src/error.rs"
printf '\n#[allow(unused_imports)]\nuse crate::train::train;\n' >>"$d/models/src/error.rs"
expect "(ii) an upward import" "$d" models/src \
    "^LAYERS: models/src/error.rs: error \(layer [^)]+\) imports train \(layer [^)]+\), a higher layer"
expect "(ii) ... which is also a cycle" "$d" models/src "^CYCLE: .*error.*train|^CYCLE: .*train.*error"

d=$(fresh length)
absent "real tree: split.rs is short" "$d" models/src "FILE LENGTH: models/src/split.rs"
for i in $(seq 1 900); do echo "pub const PLANTED_$i: u32 = $i;"; done >>"$d/models/src/split.rs"
expect "(iii) a file over 800 lines" "$d" models/src \
    "^FILE LENGTH: models/src/split.rs: 1[0-9]{3} lines outside test modules \(limit 800\)"

d=$(fresh long_fn)
at=$(($(wc -l <"$d/models/src/split.rs") + 3))
long_fn planted_long 130 >>"$d/models/src/split.rs"
expect "(iv) a 130-line fn" "$d" models/src \
    "^FN LENGTH: models/src/split.rs:$at: fn planted_long is 130 lines \(limit 120"
long_fn planted_marked 130 "// long: planted with its reason, which the tool accepts" >>"$d/models/src/split.rs"
absent "(iv) ... and one with a long: marker passes" "$d" models/src "fn planted_marked"

# --- 2. a synthetic crate -------------------------------------------------------------------

syn() {
    local d="$tmp/syn-$1"
    mkdir -p "$d/src/pg" "$d/src/api"
    cat >"$d/DESIGN.md" <<'EOF'
# synthetic

```layers src
foundations: error (the errors)
a: pg::a
b: pg::b (imports a,
    and error)
api: api
root: crate, pg
```
EOF
    printf 'mod api;\nmod error;\nmod pg;\n\npub fn init() {\n    pg::b::b();\n}\n' >"$d/src/lib.rs"
    printf 'pub mod a;\npub mod b;\n' >"$d/src/pg/mod.rs"
    printf 'mod x;\nmod y;\n' >"$d/src/api/mod.rs"
    printf '/// A.\npub fn a<'"'"'s>(s: &'"'"'s str) -> &'"'"'s str {\n    s\n}\n' >"$d/src/pg/a.rs"
    printf 'use super::a;\nuse crate::error::E;\n\npub fn b() -> E {\n    a::a("}");\n    E\n}\n' >"$d/src/pg/b.rs"
    printf 'use crate::pg::b;\n\npub fn x() {\n    b::b();\n}\n' >"$d/src/api/x.rs"
    printf 'use crate::pg::{a, b::b};\n\npub fn y() {\n    let _ = (a::a("{"), b());\n}\n' >"$d/src/api/y.rs"
    {   # 790 lines of code, then a 300-line test module holding a long unmarked fn
        echo "pub struct E;"
        for i in $(seq 2 790); do echo "pub const C$i: u32 = $i; // {"; done
        echo "#[cfg(test)]"
        echo "mod tests {"
        long_fn in_tests 150
        for i in $(seq 1 140); do echo "    const T$i: u32 = $i;"; done
        echo "}"
    } >"$d/src/error.rs"
    long_fn long_with_reason 130 "// long: a synthetic fn, long on purpose" >>"$d/src/pg/a.rs"
    echo "$d"
}

d=$(syn clean)
passes "synthetic crate: every rule kept" "$d" src

d=$(syn api)
sed -i '1i use crate::api::y;' "$d/src/api/x.rs"
expect "synthetic (i): api::x imports api::y" "$d" src "^API: src/api/x.rs: api::x imports api::y"

d=$(syn upward)
printf 'pub fn up() {\n    crate::api::y::y();\n}\n' >>"$d/src/error.rs"
expect "synthetic (ii): error imports api::y" "$d" src \
    "^LAYERS: src/error.rs: error \(layer foundations\) imports api::y \(layer api, as part of api\), a higher layer"

d=$(syn length)
for i in $(seq 1 900); do echo "pub const P$i: u32 = $i;"; done >"$d/src/pg/a.rs"
expect "synthetic (iii): a 900-line file" "$d" src "^FILE LENGTH: src/pg/a.rs: 900 lines outside test modules"

d=$(syn long_fn)
long_fn planted 130 >>"$d/src/pg/b.rs"
expect "synthetic (iv): a 130-line fn" "$d" src "^FN LENGTH: src/pg/b.rs:[0-9]+: fn planted is 130 lines"

d=$(syn unlisted)
printf 'pub fn c() {}\n' >"$d/src/pg/c.rs"
expect "synthetic: a module in no layer" "$d" src \
    "^LAYERS: DESIGN.md \(\`\`\`layers src\): pg::c \(src/pg/c.rs\) is in no layer"

d=$(syn missing)
sed -i 's/^a: pg::a$/a: pg::a, pg::gone/' "$d/DESIGN.md"
expect "synthetic: a listed module that does not exist" "$d" src "lists pg::gone, which is no module of src"

# A `*` segment places every module it matches (a new folder that keeps the convention needs
# no entry of its own), and still refuses an upward import of what it places.
d=$(syn pattern)
sed -i 's/^b: pg::b (imports a,$/b: pg::*/; /^    and error)$/d' "$d/DESIGN.md"
sed -i 's/^a: pg::a$/a: pg::a/' "$d/DESIGN.md"
printf 'pub fn c() {}\n' >"$d/src/pg/c.rs"
echo 'pub mod c;' >>"$d/src/pg/mod.rs"
passes "synthetic: pg::* places pg::b and a new pg::c" "$d" src
printf 'pub fn up() {\n    crate::pg::c::c();\n}\n' >>"$d/src/pg/a.rs"
expect "synthetic: pg::a imports pg::c, placed above it by pg::*" "$d" src \
    "^LAYERS: src/pg/a.rs: pg::a \(layer a\) imports pg::c \(layer b\), a higher layer"

d=$(syn pattern_unused)
sed -i 's/^a: pg::a$/a: pg::a, pg::*::nothing/' "$d/DESIGN.md"
expect "synthetic: a pattern that places nothing" "$d" src "lists pg::\*::nothing, which places no module of src"

if [ "$failures" -gt 0 ]; then
    echo "tools/test_import_graph.sh: $failures failure(s)"
    exit 1
fi
echo "tools/test_import_graph.sh: the import graph's checks catch what they should"
