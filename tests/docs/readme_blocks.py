#!/usr/bin/env python3
"""The command blocks of a Markdown file, for tests/docs/readme_commands.sh.

    readme_blocks.py README.md OUTDIR      writes OUTDIR/NN.sh (and NN.expect) for each block to run
    readme_blocks.py README.md --containing TEXT   prints the one block to run that contains TEXT

A command block is a fence whose language is sh, bash, shell or console. Every command block
runs, unless the last non-blank line before its fence is `<!-- not run: REASON -->` (REASON
says why it cannot run in CI: it starts the broker in the foreground, needs the network, ...).
`<!-- expect: TEXT -->` there instead runs the block and requires TEXT in its output (several
`expect:` comments may stand one after another), and `<!-- same shell: WHY -->` runs it in the
shell of the block before (which it continues: "in the same terminal"). Anything else fails: an
unmarked block cannot be skipped, and a marker that precedes no block, or gives no reason, is an
error.
"""
import os
import re
import sys

COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
MARKER = re.compile(r"^<!--\s*(not run|expect|same shell):\s*(.*?)\s*-->$")
FENCE = re.compile(r"^(```+|~~~+)\s*([A-Za-z0-9_+-]*)")


def fail(message):
    sys.exit(f"readme_blocks: {message}")


def blocks(path):
    """Yields (first line, text, skip reason or None, [expected texts], continues the last)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    markers = []  # (line number, kind, text) since the last fence or prose
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        marker = MARKER.match(line)
        fence = FENCE.match(line)
        if marker:
            if not marker.group(2):
                fail(f"{path}:{i + 1}: '{marker.group(1)}:' needs a reason or a text")
            markers.append((i + 1, marker.group(1), marker.group(2)))
        elif fence:
            close = fence.group(1)
            start = i + 1
            i += 1
            body = []
            while i < len(lines) and not lines[i].strip().startswith(close):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                fail(f"{path}:{start}: the block opened here is never closed")
            language = fence.group(2).lower()
            skip = [text for (_, kind, text) in markers if kind == "not run"]
            expect = [text for (_, kind, text) in markers if kind == "expect"]
            same_shell = any(kind == "same shell" for (_, kind, _) in markers)
            if markers and language not in COMMAND_LANGUAGES:
                fail(f"{path}:{markers[0][0]}: a marker before a '{language}' block, which never runs")
            if skip and expect:
                fail(f"{path}:{start}: a block is either not run or expected to print something")
            markers = []
            if language in COMMAND_LANGUAGES:
                reason = skip[0] if skip else None
                yield start, "\n".join(body) + "\n", reason, expect, same_shell
        elif line and markers:
            fail(f"{path}:{markers[0][0]}: the marker must stand right before a command block")
        i += 1
    if markers:
        fail(f"{path}:{markers[0][0]}: the marker stands before no command block")


def main(argv):
    if len(argv) == 4 and argv[2] == "--containing":
        found = [b for b in blocks(argv[1]) if b[2] is None and argv[3] in b[1]]
        if len(found) != 1:
            fail(f"{len(found)} runnable blocks of {argv[1]} contain {argv[3]!r}, not exactly one")
        sys.stdout.write(found[0][1])
        return 0
    if len(argv) != 3:
        fail("usage: readme_blocks.py FILE.md OUTDIR | FILE.md --containing TEXT")
    os.makedirs(argv[2], exist_ok=True)
    number = 0
    for start, text, skip, expect, same_shell in blocks(argv[1]):
        if skip is not None:
            print(f"line {start}: not run: {skip}")
            continue
        if same_shell and number == 0:
            fail(f"{argv[1]}:{start}: 'same shell:' but no block runs before it")
        number += 0 if same_shell else 1
        name = os.path.join(argv[2], f"{number:02d}")
        mode = "a" if same_shell else "w"
        with open(name + ".sh", mode, encoding="utf-8") as out:
            if not same_shell:
                out.write(f"# {os.path.basename(argv[1])}, the block at line {start}\n")
            out.write(f"# --- line {start}\n{text}")
        with open(name + ".expect", mode, encoding="utf-8") as out:
            out.write("".join(e + "\n" for e in expect))
        how = "continues" if same_shell else "run as"
        print(f"line {start}: {how} {number:02d}.sh" + (f", expecting {expect}" if expect else ""))
    if number == 0:
        fail(f"{argv[1]} has no command block to run")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
