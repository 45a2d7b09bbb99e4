#!/usr/bin/env python3
"""Fails on an SPI call in src/ whose search_path is not pinned (DESIGN.md, principle 2).

Every statement finml runs pins its search_path: a query opened through pgrx's `Spi` (or a
raw `SPI_exec*`, `SPI_cursor_open*`, `SPI_prepare*`) must sit inside
`with_pinned_search_path(`, `as_role(` or `as_extension_owner(` (pg/security.rs), opened at
most WINDOW lines above it. A call that must resolve names with the caller's search_path
(fin_score_table's target, as CREATE TABLE would resolve it) says so just above with a
`// search_path: <why>` comment. `src/pg_tests.rs` (the #[pg_test]s) is not finml's code.

Usage: python3 tools/check_pinned_spi.py [src]   (exit 1 and the offending lines on failure)
"""

import pathlib
import re
import sys

WINDOW = 3
QUERY = re.compile(r"\bSpi::(connect|connect_mut|run|run_with_args|get_one|get_two|get_three|"
                   r"get_one_with_args|get_two_with_args|get_three_with_args|explain)\b"
                   r"|\bSPI_(exec|execute|execute_plan|cursor_open|cursor_open_with_args|prepare)\w*\(")
PINNED = re.compile(r"\b(with_pinned_search_path|as_role|as_extension_owner)\(")
REASON = re.compile(r"//\s*search_path:\s*\S")
SKIPPED = {"pg_tests.rs"}


def offending(path: pathlib.Path):
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        code = line.split("//", 1)[0]
        if not QUERY.search(code):
            continue
        above = lines[max(0, number - 1 - WINDOW):number]
        if any(PINNED.search(l.split("//", 1)[0]) for l in above):
            continue
        if any(REASON.search(l) for l in above):
            continue
        yield number, line.strip()


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    found = [(path, number, line)
             for path in sorted(root.rglob("*.rs")) if path.name not in SKIPPED
             for number, line in offending(path)]
    for path, number, line in found:
        print(f"{path}:{number}: SPI call without a pinned search_path: {line}")
    if found:
        print("wrap it in with_pinned_search_path / as_role / as_extension_owner "
              "(pg/security.rs), or say why not with a `// search_path: ...` comment above it")
        return 1
    print(f"check_pinned_spi: every SPI call under {root} pins its search_path")
    return 0


if __name__ == "__main__":
    sys.exit(main())
