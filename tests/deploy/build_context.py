#!/usr/bin/env python3
"""The files a container build sends as its context, by the ignore file's rules as Docker and
Podman apply them: each pattern is matched against the path from the context root, `*` and `?`
within one path element, `**` across any number of them, a leading `!` re-includes, the last
matching pattern wins, and a path is excluded when it or a directory above it is.

  build_context.py IGNORE_FILE ROOT          the included files under ROOT, one per line
  build_context.py IGNORE_FILE ROOT --copy D  also copies them into D
"""
import os
import re
import shutil
import sys


def compile_pattern(pattern):
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "$")


def read_rules(path):
    rules = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip("/"))
        rules.append((include, compile_pattern(pattern)))
    return rules


def excluded(rules, relpath):
    """Excluded when the last rule matching the path, or a directory above it, excludes."""
    parts = relpath.split("/")
    verdict = False
    for include, regex in rules:
        for n in range(1, len(parts) + 1):
            if regex.match("/".join(parts[:n])):
                verdict = not include
                break
    return verdict


def context_files(rules, root):
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        rel = (lambda name: name) if rel_top == "." else (lambda name: rel_top + "/" + name)
        dirs[:] = sorted(d for d in dirs if not excluded(rules, rel(d)))
        for name in sorted(files):
            if not excluded(rules, rel(name)):
                yield rel(name)


def main():
    rules = read_rules(sys.argv[1])
    root = sys.argv[2]
    copy_to = sys.argv[4] if len(sys.argv) == 5 and sys.argv[3] == "--copy" else None
    for path in context_files(rules, root):
        print(path)
        if copy_to:
            os.makedirs(os.path.dirname(os.path.join(copy_to, path)), exist_ok=True)
            shutil.copy2(os.path.join(root, path), os.path.join(copy_to, path), follow_symlinks=False)


if __name__ == "__main__":
    main()
