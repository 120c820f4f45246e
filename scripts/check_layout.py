#!/usr/bin/env python3
"""Checks that the tree is the architecture (README, Layout).

Prints TAP.  Rules:
  - user/ stages depend one way: common <- datapath, attrib <- history
    <- enforce, replay, exporter, audit <- experiment <- report <- web <- cli; a file includes its own stage or an
    earlier one ("stage/file.h"), never a later one or a sibling of its rank;
  - no include circle among the files of user/, bpf/ and include/;
  - no file over 600 lines in user/ and bpf/;
  - exit codes (EXIT_*) and fail() only in user/cli/;
  - no SQL (sqlite3_*) in user/cli/;
  - pinned maps opened by name through include/iotrim_maps.h, never a literal.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANK = {"common": 0, "datapath": 1, "attrib": 1, "history": 2,
        "enforce": 3, "replay": 3, "exporter": 3, "audit": 3,
        "experiment": 4, "report": 5, "web": 6, "cli": 7}
MAX_LINES = 600
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

n = 0
failed = 0


def check(name, problems):
    global n, failed
    n += 1
    if problems:
        failed += 1
        print(f"not ok {n} - {name}")
        for p in problems[:40]:
            print(f"#   {p}")
        if len(problems) > 40:
            print(f"#   ... and {len(problems) - 40} more")
    else:
        print(f"ok {n} - {name}")


def sources(top, exts=(".c", ".h")):
    for d, _, files in os.walk(os.path.join(ROOT, top)):
        for f in sorted(files):
            if f.endswith(exts):
                yield os.path.relpath(os.path.join(d, f), ROOT)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def stage_of(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "user" else None


user = list(sources("user"))
bpf = list(sources("bpf"))
inc = list(sources("include"))

# 1. Every file of user/ lives in a known stage folder.
check("user/ holds only stage folders",
      [f"{p}: not in one of {sorted(RANK)}" for p in user if stage_of(p) not in RANK])

# 2. Includes run one way.
problems = []
for p in user:
    s = stage_of(p)
    if s not in RANK:
        continue
    for h in INCLUDE.findall(read(p)):
        if "/" not in h:
            if os.path.exists(os.path.join(ROOT, "user", s, h)):
                problems.append(f'{p}: include "{s}/{h}", not "{h}"')
            continue
        t = h.split("/")[0]
        if t not in RANK:
            continue
        if t != s and RANK[t] >= RANK[s]:
            problems.append(f"{p} ({s}) includes {h} ({t}): dependencies run "
                            "common <- datapath, attrib <- history <- enforce, replay <- experiment <- report <- cli")
check("controller dependencies run one way", problems)

# 3. No include circle among files.
def resolve(src, h):
    cands = [os.path.join("user", h), os.path.join(os.path.dirname(src), h),
             os.path.join("bpf", h), os.path.join("include", h)]
    for c in cands:
        c = os.path.normpath(c)
        if os.path.exists(os.path.join(ROOT, c)):
            return c
    return None

graph = {}
for p in user + bpf + inc:
    graph[p] = [r for h in INCLUDE.findall(read(p)) if (r := resolve(p, h)) and r != p]
# A .c file and its header are one unit: a circle through a header and the
# other side's .c is the "block.c includes bind.h, bind.c includes block.h" case.
unit = lambda p: p[:-2]
ugraph = {}
for p, deps in graph.items():
    ugraph.setdefault(unit(p), set()).update(unit(d) for d in deps if unit(d) != unit(p))
cycles = []
state = {}
def dfs(u, stack):
    state[u] = 1
    stack.append(u)
    for v in sorted(ugraph.get(u, ())):
        if state.get(v) == 1:
            cycles.append(" -> ".join(stack[stack.index(v):] + [v]))
        elif not state.get(v):
            dfs(v, stack)
    stack.pop()
    state[u] = 2
sys.setrecursionlimit(10000)
for u in sorted(ugraph):
    if not state.get(u):
        dfs(u, [])
check("no include circle (a .c and its .h count as one)", cycles)

# 4. Small files.
check(f"no file over {MAX_LINES} lines in user/ and bpf/",
      [f"{p}: {n_} lines" for p in user + bpf
       if (n_ := read(p).count("\n")) > MAX_LINES])

# 5. Exit codes only in the command layer.
problems = []
for p in user:
    if stage_of(p) == "cli":
        continue
    text = read(p)
    for m in re.finditer(r"\bEXIT_[A-Z_]+\b|\bfail\(|\bexit\(", text):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(f"{p}:{line}: {m.group(0)}")
check("exit codes only in user/cli/ (libraries return 0 or -errno)", problems)

# 6. Commands hold no SQL.
problems = []
for p in user:
    if stage_of(p) != "cli":
        continue
    text = read(p)
    k = len(re.findall(r"\bsqlite3_\w+\(", text))
    if k:
        problems.append(f"{p}: {k} sqlite3 calls")
check("no SQL in user/cli/ (queries live in history/, enforce/, experiment/)", problems)

# 7. Map names from include/iotrim_maps.h.
problems = []
for p in user:
    text = read(p)
    for m in re.finditer(r'open_pinned_map\("', text):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(f"{p}:{line}: map name as a literal")
check("pinned maps opened through MAP_NAME()", problems)

print(f"1..{n}")
sys.exit(1 if failed else 0)
