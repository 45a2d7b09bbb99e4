#!/usr/bin/env python3
"""The module import graph of a crate (non-test code), and its cycles.

usage: tools/import_graph.py <crate src dir>   e.g. models/src or src

A module is a file (foo.rs, or foo/mod.rs for a folder); an edge A -> B means A's non-test
code names `crate::B` (through `use` or a path). Paths through a re-export at the crate root
(`pub use estimator::{linear, ...}` in lib.rs) are resolved to the module they name.
`#[cfg(test)]` blocks, and test modules in files of their own (`foo/tests.rs`), are ignored:
tests may reach up the graph. Exit status 1 on a cycle.
"""
import os, re, sys

root = sys.argv[1].rstrip('/')

def module_of(path):
    rel = os.path.relpath(path, root)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] == 'mod':
        parts = parts[:-1]
    if parts in (['lib'], ['main']):
        return 'crate'
    return '::'.join(parts)

def strip_tests(text):
    out, i = [], 0
    for m in re.finditer(r'#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod\s+\w+\s*\{', text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {'{': 1, '}': -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return re.sub(r'//[^\n]*', '', ''.join(out))

files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.rs')]
modules = {module_of(f): f for f in files}
lib = open(os.path.join(root, 'lib.rs')).read()
aliases = {}
for m in re.finditer(r'pub use (\w+)::\{([^}]*)\};', lib):
    for name in m.group(2).split(','):
        name = name.strip()
        if f'{m.group(1)}::{name}' in modules:
            aliases[name] = f'{m.group(1)}::{name}'

def resolve(path):
    parts = path.split('::')
    if parts[0] in aliases:
        parts = aliases[parts[0]].split('::') + parts[1:]
    for k in range(len(parts), 0, -1):
        name = '::'.join(parts[:k])
        if name in modules:
            return name
    return None

graph = {}
for name, path in modules.items():
    if name == 'crate' or name.split('::')[-1] == 'tests':
        continue
    text = strip_tests(open(path).read())
    targets = set()
    for m in re.finditer(r'crate::((?:\w+::)*\w+)', text):
        t = resolve(m.group(1))
        if t and t != name:
            targets.add(t)
    for m in re.finditer(r'use crate::\{([^;]*)\};', text):
        for item in re.split(r'[,{}\s]+', m.group(1)):
            t = resolve(item) if item else None
            if t and t != name:
                targets.add(t)
    for m in re.finditer(r'(?:use\s+|\b)(?:super::)+((?:\w+::)*\w+)', text):
        base = name.split('::')[:-1]
        t = resolve('::'.join(base + [m.group(1)]))
        if t and t != name:
            targets.add(t)
    # A child module `foo::bar` named as `bar::` inside foo's own file.
    for child in [c for c in modules if c.startswith(name + '::') and c.count('::') == name.count('::') + 1]:
        if re.search(r'\b' + child.split('::')[-1] + r'::', text):
            targets.add(child)
    graph[name] = sorted(targets)

for name in sorted(graph):
    print(f"{name} -> {', '.join(graph[name]) or '(nothing)'}")

state, stack, cycles = {}, [], []
def visit(n):
    state[n] = 1
    stack.append(n)
    for t in graph.get(n, []):
        if state.get(t) == 1:
            cycles.append(stack[stack.index(t):] + [t])
        elif t not in state:
            visit(t)
    stack.pop()
    state[n] = 2
for n in sorted(graph):
    if n not in state:
        visit(n)
if cycles:
    for c in cycles:
        print('CYCLE: ' + ' -> '.join(c))
    sys.exit(1)
print(f"no cycles among {len(graph)} modules")
