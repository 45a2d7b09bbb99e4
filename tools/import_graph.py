#!/usr/bin/env python3
"""The module import graph of a crate (non-test code), and the rules DESIGN.md sets for it.

usage: tools/import_graph.py [--quiet] <crate src dir>     e.g. models/src or src

Prints each module's imports (unless --quiet), then checks, and exits 1 if any fails:

- cycles: no import cycle;
- layers: the crate's list in DESIGN.md, a fenced block whose info string is `layers` and the
  crate's folder relative to DESIGN.md's (```layers models/src), one layer a line, lowest
  first: `name: module, module, ...`. A parenthesized text after a module is a comment, and
  an indented line continues the line above. A module imports only modules of its own layer
  or of a lower one. A folder module's files (estimator::linear::solver) take the layer of
  the closest listed ancestor; but once one file of a folder is listed, each must be (so a
  new pg/ file cannot slip into pg's layer unnoticed). Every module is covered, every listed
  module exists, none is listed twice. The crate root (lib.rs) is the module `crate`. A `*`
  segment matches any one segment (`estimator::*::algorithm`: every algorithm folder's
  algorithm.rs), so a new folder that keeps the convention needs no new entry; a module
  named itself wins over a pattern, and of two patterns the one with more named segments.
- api: no module under api:: imports another api:: module (nor api/mod.rs);
- file length: no file over 800 lines (MAX_FILE_LINES), counting every line (blank and comment
  lines included) outside `#[cfg(test)] mod name { ... }` blocks (any cfg that names test,
  such as cfg(any(test, feature = "pg_test")), other attributes allowed in between);
- function length: no fn body over 120 lines (MAX_FN_LINES; from the line of its opening brace
  to the line of its closing one, both counted) unless a comment line just above it, among
  its doc comment and attributes, starts with `long:` and a reason:
      // long: one match over every option key; splitting it would scatter the list
  Bodies are found by matching braces in the code with comments, strings (raw strings
  r#"..."# included) and char literals blanked out.

Files of test-only modules (declared under a cfg that names test: test_data.rs, pg_tests.rs)
and test modules are exempt from both lengths.

A module is a file (foo.rs, or foo/mod.rs for a folder); an edge A -> B means A's non-test
code names B: `crate::B`, `super::`, `self::` or a child module's name, in a path or a
`use` tree (`use crate::pg::{spi, types}` names both). Names re-exported at the crate root
(`pub use estimator::{linear, Algorithm}` in lib.rs) are resolved to the module they come
from. `#[cfg(test)]` modules, inline or in files of their own (`#[cfg(test)] mod tests;`),
are ignored and need no layer: tests may reach up the graph.
"""
import os
import re
import sys

MAX_FILE_LINES = 800
MAX_FN_LINES = 120


# --- reading Rust ------------------------------------------------------------------------

def blank(text):
    """text with every comment, string and char literal replaced by spaces (newlines kept),
    so that braces, paths and `fn` in the result are code."""
    out = list(text)
    n, i = len(text), 0

    def wipe(a, b):
        for k in range(a, min(b, n)):
            if out[k] != '\n':
                out[k] = ' '

    def ident_before(k):
        return k > 0 and (text[k - 1].isalnum() or text[k - 1] == '_')

    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif text.startswith('/*', i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith('/*', j):
                    depth, j = depth + 1, j + 2
                elif text.startswith('*/', j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            wipe(i, j)
            i = j
        elif (c in 'rb') and not ident_before(i):
            m = re.compile(r'(?:br|rb|r)(#*)"').match(text, i)
            if m:  # raw string: no escapes, ends at a quote and as many #
                end = text.find('"' + m.group(1), m.end())
                j = n if end < 0 else end + 1 + len(m.group(1))
                wipe(i, j)
                i = j
            elif text.startswith('b"', i) or text.startswith("b'", i):
                i += 1  # a byte string or byte char: the quote is handled next round
                out[i - 1] = ' '
            else:
                i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            wipe(i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\'', '\u{1F600}') or a lifetime / label ('a).
            if text.startswith('\\', i + 1):
                j = i + 2
                while j < n and text[j] != "'" and text[j] != '\n':
                    j += 1
                wipe(i, j + 1)
                i = j + 1
            elif i + 2 < n and text[i + 2] == "'":
                wipe(i, i + 3)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return ''.join(out)


def match_brace(code, open_at):
    """The offset of the brace that closes the one at open_at (len(code) if none does)."""
    depth = 0
    for j in range(open_at, len(code)):
        ch = code[j]
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0:
                return j
    return len(code)


TEST_CFG = r'#\[cfg\(([^\]]*)\)\]'
ATTRS = r'(?:\s*#\[[^\]]*\])*'
VIS = r'(?:pub(?:\([^)]*\))?\s+)?'


def names_test(cfg):
    return re.search(r'\btest\b', cfg) and not re.search(r'\bnot\s*\(\s*test', cfg)


def test_blocks(code):
    """(start, end) offsets of the #[cfg(test)] mod blocks, from the cfg to the closing brace."""
    blocks = []
    for m in re.finditer(TEST_CFG + ATTRS + r'\s*' + VIS + r'mod\s+\w+\s*\{', code):
        if not names_test(m.group(1)) or (blocks and m.start() < blocks[-1][1]):
            continue
        blocks.append((m.start(), match_brace(code, m.end() - 1)))
    return blocks


def test_only_children(code):
    """Names of the child modules declared as `#[cfg(test)] mod name;`."""
    return {m.group(2) for m in re.finditer(TEST_CFG + ATTRS + r'\s*' + VIS + r'mod\s+(\w+)\s*;', code)
            if names_test(m.group(1))}


def without(code, blocks):
    """code with the blocks blanked out (newlines kept)."""
    out = list(code)
    for a, b in blocks:
        for k in range(a, min(b + 1, len(out))):
            if out[k] != '\n':
                out[k] = ' '
    return ''.join(out)


def line_of(code, offset):
    return code.count('\n', 0, offset) + 1


def expand_use(tree):
    """The paths of a use tree: 'a::{b, c::{d, self}}' -> [[a, b], [a, c, d], [a, c]]."""
    tokens = re.findall(r'\w+|::|[{},*]', tree)
    pos = 0

    def tree_at(prefix):
        nonlocal pos
        path = list(prefix)
        while pos < len(tokens):
            t = tokens[pos]
            if t == '{':
                pos += 1
                paths = []
                while pos < len(tokens) and tokens[pos] != '}':
                    if tokens[pos] == ',':
                        pos += 1
                        continue
                    paths += tree_at(path)
                pos += 1
                return paths
            if t in (',', '}'):
                break
            if t == 'as':
                pos += 2
                continue
            if t == '*':
                pos += 1
                continue
            if t != '::':
                path.append(t)
            pos += 1
        if path and path[-1] == 'self':
            path = path[:-1]
        return [path] if path else []

    return tree_at([])


# --- the crate -----------------------------------------------------------------------------

def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] == 'mod':
        parts = parts[:-1]
    if parts in (['lib'], ['main']):
        return 'crate'
    return '::'.join(parts)


def parent_of(name):
    return 'crate' if '::' not in name else name.rsplit('::', 1)[0]


class Crate:
    def __init__(self, root):
        self.root = root
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.rs'))
        self.files = {module_of(root, f): f for f in files}
        self.text = {m: open(f, encoding='utf-8').read() for m, f in self.files.items()}
        self.code = {m: blank(t) for m, t in self.text.items()}
        self.tests = {m: test_blocks(c) for m, c in self.code.items()}
        self.live = {m: without(c, self.tests[m]) for m, c in self.code.items()}
        # Test-only modules, and everything under them.
        test_only = set()
        for m in sorted(self.files, key=lambda x: (x != 'crate', x.count('::'), x)):
            prefix = '' if m == 'crate' else m + '::'
            test_only |= {prefix + c for c in test_only_children(self.live[m])}
            if parent_of(m) in test_only and m != 'crate':
                test_only.add(m)
        self.test_only = test_only
        self.aliases = {}
        if 'crate' in self.files:
            for m in re.finditer(r'\bpub\s+use\s+([^;]+);', self.live['crate']):
                for path in expand_use(m.group(1)):
                    name = self.resolve(self.absolute('crate', path) or [])
                    if name and path[-1] not in self.top():
                        self.aliases[path[-1]] = name
        # Test-only modules may reach up the graph: they have no edges.
        self.graph = {m: [] if m in self.test_only else sorted(self.imports(m)) for m in self.files}

    def top(self):
        return {m for m in self.files if m != 'crate' and '::' not in m}

    def children(self, name):
        prefix = '' if name == 'crate' else name + '::'
        return {m[len(prefix):] for m in self.files
                if m != 'crate' and m.startswith(prefix) and '::' not in m[len(prefix):]}

    def resolve(self, parts):
        """The deepest module a crate-relative path names, or None."""
        if not parts:
            return None
        if parts[0] not in self.top() and parts[0] in self.aliases:
            parts = self.aliases[parts[0]].split('::') + list(parts[1:])
        for k in range(len(parts), 0, -1):
            name = '::'.join(parts[:k])
            if name in self.files:
                return name
        return None

    def absolute(self, module, path):
        """A path as written in `module`, made crate-relative; None for another crate's."""
        here = [] if module == 'crate' else module.split('::')
        if not path:
            return None
        if path[0] == 'crate':
            return path[1:]
        if path[0] == 'self':
            return here + path[1:]
        if path[0] == 'super':
            k = 0
            while k < len(path) and path[k] == 'super':
                k += 1
            return (here[:-k] if k <= len(here) else []) + path[k:]
        if path[0] in self.children(module):
            return here + path
        return None

    def imports(self, module):
        code = self.live[module]
        targets = set()

        def add(path):
            rel = self.absolute(module, path)
            t = self.resolve(rel) if rel is not None else None
            if t and t != module:
                targets.add(t)

        def use_statement(m):
            for path in expand_use(m.group(1)):
                add(path)
            return ' ' * len(m.group(0))

        rest = re.sub(r'\buse\s+([^;]+);', use_statement, code)
        for m in re.finditer(r'(?<![\w:])((?:\w+::)+\w+)', rest):
            add(m.group(1).split('::'))
        return targets


# --- the checks ----------------------------------------------------------------------------

def cycles(graph):
    state, stack, found = {}, [], []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for t in graph.get(n, []):
            if state.get(t) == 1:
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return [f"CYCLE: {' -> '.join(c)}" for c in found]


def find_design(root):
    d = os.path.abspath(root)
    while True:
        if os.path.isfile(os.path.join(d, 'DESIGN.md')):
            return os.path.relpath(os.path.join(d, 'DESIGN.md'))
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up


def read_layers(design, key):
    """[(layer name, [module, ...]), ...] lowest first, from DESIGN.md's ```layers <key> block;
    or a str saying what is wrong."""
    text = open(design, encoding='utf-8').read()
    blocks = [m.group(2) for m in re.finditer(r'^```layers[ \t]+(\S+)[ \t]*\n(.*?)^```', text, re.M | re.S)
              if m.group(1).rstrip('/') == key]
    if len(blocks) != 1:
        return f"{design}: {'no' if not blocks else 'more than one'} ```layers {key} block"
    logical = []
    for line in blocks[0].split('\n'):
        if not line.strip():
            continue
        if line[0].isspace() and logical:
            logical[-1] += ' ' + line.strip()
        else:
            logical.append(line.strip())
    layers = []
    for line in logical:
        m = re.match(r'([^:(]+?):\s+(.*)$', line)
        if not m:
            return f"{design}: ```layers {key}: cannot read the line {line!r} (want `name: module, ...`)"
        body = m.group(2)
        while True:
            stripped = re.sub(r'\([^()]*\)', '', body)
            if stripped == body:
                break
            body = stripped
        names = [x.strip() for x in body.split(',')]
        bad = [x for x in names if not re.fullmatch(r'(\w+|\*)(::(\w+|\*))*', x)]
        if bad:
            return f"{design}: ```layers {key}: layer {m.group(1)!r}: cannot read {bad[0]!r} as a module"
        layers.append((m.group(1).strip(), names))
    return layers


def check_layers(crate, design, key, layers):
    problems = []
    where = f"{design} (```layers {key})"
    level, layer_name = {}, {}
    patterns = []
    for i, (lname, names) in enumerate(layers):
        for n in names:
            if '*' in n:
                patterns.append((n, i, lname))
                continue
            if n in level:
                problems.append(f"LAYERS: {where}: {n} is listed twice ({layer_name[n]}, {lname})")
                continue
            level[n], layer_name[n] = i, lname
            if n not in crate.files:
                problems.append(f"LAYERS: {where}: layer {lname} lists {n}, which is no module of {crate.root}")
    # A pattern's `*` is one segment of a path (estimator::*::algorithm): it places every module
    # it matches that is not named itself; of two patterns, the one with more named segments.
    matched = set()
    for m in sorted(crate.files):
        if m in level or m in crate.test_only:
            continue
        fits = [(sum(seg != '*' for seg in pat.split('::')), pat, i, lname) for pat, i, lname in patterns
                if len(pat.split('::')) == len(m.split('::'))
                and all(seg in ('*', part) for seg, part in zip(pat.split('::'), m.split('::')))]
        if not fits:
            continue
        best = max(f[0] for f in fits)
        winners = [f for f in fits if f[0] == best]
        if len({f[2] for f in winners}) > 1:
            problems.append(f"LAYERS: {where}: {m} matches {', '.join(f[1] for f in winners)} "
                            f"in different layers")
            continue
        level[m], layer_name[m] = winners[0][2], winners[0][3]
        matched |= {f[1] for f in winners}
    for pat, _, lname in patterns:
        if pat not in matched:
            problems.append(f"LAYERS: {where}: layer {lname} lists {pat}, which places no module "
                            f"of {crate.root}")
    # Each module's layer: its own, or its closest listed ancestor's when no sibling is listed.
    of, via = {}, {}
    for m in sorted(crate.files):
        if m in level:
            of[m] = m
            continue
        if m in crate.test_only:
            continue
        a = m
        while True:
            p = parent_of(a)
            if a == 'crate' or p == 'crate':
                problems.append(f"LAYERS: {where}: {m} ({crate.files[m]}) is in no layer")
                break
            listed = sorted(f"{p}::{c}" for c in crate.children(p) if f"{p}::{c}" in level)
            if listed:
                problems.append(f"LAYERS: {where}: {m} ({crate.files[m]}) is in no layer: once a "
                                f"file of {p} is listed ({', '.join(listed)}), each must be")
                break
            if p in level:
                of[m], via[m] = p, p
                break
            a = p
    for m, targets in sorted(crate.graph.items()):
        if m not in of:
            continue
        for t in targets:
            if t in of and level[of[t]] > level[of[m]]:
                def desc(x):
                    note = f", as part of {via[x]}" if x in via else ''
                    return f"{x} (layer {layer_name[of[x]]}{note})"
                problems.append(f"LAYERS: {crate.files[m]}: {desc(m)} imports {desc(t)}, "
                                f"a higher layer")
    return problems


def check_api(crate):
    return [f"API: {crate.files[m]}: {m} imports {t}: no api file imports another"
            for m, ts in sorted(crate.graph.items()) if m.startswith('api::')
            for t in ts if t == 'api' or t.startswith('api::')]


def check_lengths(crate):
    problems = []
    for m in sorted(crate.files, key=lambda x: crate.files[x]):
        if m in crate.test_only:
            continue
        path, text, code, blocks = crate.files[m], crate.text[m], crate.code[m], crate.tests[m]
        total = text.count('\n') + (0 if text.endswith('\n') or not text else 1)
        in_tests = sum(line_of(code, b) - line_of(code, a) + 1 for a, b in blocks)
        if total - in_tests > MAX_FILE_LINES:
            problems.append(f"FILE LENGTH: {path}: {total - in_tests} lines outside test modules "
                            f"(limit {MAX_FILE_LINES})")
        lines, code_lines = text.split('\n'), code.split('\n')
        for f in re.finditer(r'\bfn\s+(\w+)', code):
            if any(a <= f.start() <= b for a, b in blocks):
                continue
            depth, j = 0, f.end()
            while j < len(code):
                ch = code[j]
                if ch in '([':
                    depth += 1
                elif ch in ')]':
                    depth -= 1
                elif depth == 0 and ch in '{;':
                    break
                j += 1
            if j >= len(code) or code[j] == ';':
                continue  # a declaration without a body
            body = line_of(code, match_brace(code, j)) - line_of(code, j) + 1
            if body <= MAX_FN_LINES:
                continue
            fn_line = line_of(code, f.start())
            marked = False
            k = fn_line - 2
            while k >= 0 and fn_line - 2 - k < 60:
                if not lines[k].strip() or code_lines[k].strip()[-1:] in (';', '{', '}'):
                    break
                if re.match(r'\s*//[/!]?\s*long:\s*\S', lines[k]):
                    marked = True
                k -= 1
            if not marked:
                problems.append(f"FN LENGTH: {path}:{fn_line}: fn {f.group(1)} is {body} lines "
                                f"(limit {MAX_FN_LINES}; or say why above it: // long: <reason>)")
    return problems


def main(argv):
    args = [a for a in argv if a != '--quiet']
    quiet = len(args) != len(argv)
    if len(args) != 1 or args[0].startswith('-'):
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    root = args[0].rstrip('/') or '/'
    crate = Crate(root)
    if not quiet:
        for name in sorted(crate.graph):
            print(f"{name} -> {', '.join(crate.graph[name]) or '(nothing)'}")
    problems = cycles(crate.graph)
    design = find_design(root)
    if design is None:
        problems.append(f"LAYERS: no DESIGN.md in {root} or a folder above it")
    else:
        key = os.path.relpath(os.path.abspath(root), os.path.dirname(design)).replace(os.sep, '/')
        layers = read_layers(design, key)
        if isinstance(layers, str):
            problems.append('LAYERS: ' + layers)
        else:
            problems += check_layers(crate, design, key, layers)
    problems += check_api(crate)
    problems += check_lengths(crate)
    for p in problems:
        print(p)
    if problems:
        print(f"{root}: {len(problems)} problem(s)")
        return 1
    if not quiet:
        print(f"{root}: no cycles among {len(crate.graph)} modules; layers, api imports, "
              f"file and function lengths as DESIGN.md says")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
