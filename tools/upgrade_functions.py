#!/usr/bin/env python3
"""Prints the CREATE FUNCTION statements of the named functions from the SQL that
`cargo pgrx schema` writes, for an upgrade script (sql/finml--A--B.sql):

    cargo pgrx schema -o /tmp/schema.sql
    python3 tools/upgrade_functions.py /tmp/schema.sql fin_gains fin_version ...

Every overload of a name is printed, in the schema's order; a name not found is an error.
The upgrade test (tests/pg_regress/sql/upgrade.sql) then proves the script builds exactly
the schema of a fresh install."""
import re
import sys


def blocks(schema):
    for block in schema.split("/* <begin connected objects> */"):
        body = block.split("/* </end connected objects> */")[0]
        match = re.search(r'CREATE\s+FUNCTION\s+"([^"]+)"', body)
        if match:
            start = body.index("CREATE")
            yield match.group(1), body[start:].strip()


def main():
    path, names = sys.argv[1], sys.argv[2:]
    with open(path, encoding="utf-8") as f:
        found = list(blocks(f.read()))
    for name in names:
        matches = [sql for n, sql in found if n == name]
        if not matches:
            sys.exit(f"no function {name} in {path}")
        for sql in matches:
            print(sql)
            print()


if __name__ == "__main__":
    main()
