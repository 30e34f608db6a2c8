"""Every Python code block in README.md and docs/*.md runs, so the docs cannot rot.

Each Markdown file runs in a fresh interpreter (as a reader would start), in an empty
temporary working directory, its ```python blocks in order in one namespace. A block is
skipped only when an HTML comment right above it says so:

    <!-- skip: reason -->        never run (say why)
    <!-- requires: dot -->       run only when that program is on PATH (else skipped)

docs/api.md must also equal what tools/gen_api_docs.py generates from the docstrings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"(?:<!--\s*(skip|requires):\s*(.*?)\s*-->\s*\n)?"
                    r"^[ \t]*```python\n(.*?)^[ \t]*```", re.S | re.M)

# Runs in the child: execute each block, report the first failure with its line number.
_RUNNER = """
import json, sys, traceback
blocks = json.load(open(sys.argv[1]))
namespace = {"__name__": "__main__"}
for line, code in blocks:
    try:
        exec(compile(code, f"{sys.argv[2]}:{line}", "exec"), namespace)
    except BaseException:
        sys.stdout.flush()
        print(f"\\n--- block at {sys.argv[2]}:{line} failed ---", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""


def python_blocks(path: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """([(first code line, code)], [skip notes]) of a Markdown file."""
    text = path.read_text()
    blocks, skipped = [], []
    for match in _BLOCK.finditer(text):
        kind, reason, code = match.groups()
        line = text.count("\n", 0, match.start(3)) + 1
        if kind == "skip":
            skipped.append(f"{path.name}:{line}: {reason}")
        elif kind == "requires" and shutil.which(reason) is None:
            skipped.append(f"{path.name}:{line}: needs {reason!r} on PATH")
        else:
            # Pad so that tracebacks show the Markdown file's own line numbers.
            blocks.append((line, "\n" * (line - 1) + textwrap.dedent(code)))
    return blocks, skipped


def test_markers_are_well_formed() -> None:
    for path in DOC_FILES:
        text = path.read_text()
        for kind, reason in re.findall(r"<!--\s*(skip|requires):\s*(.*?)\s*-->", text):
            assert reason, f"{path.name}: a <!-- {kind}: --> marker needs a reason"
        assert text.count("```") % 2 == 0, f"{path.name}: unbalanced code fences"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path) -> None:
    blocks, skipped = python_blocks(path)
    if not blocks:
        pytest.skip(f"{path.name} has no Python blocks")
    (tmp_path / "blocks.json").write_text(json.dumps(blocks))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", _RUNNER, "blocks.json", str(path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-6000:]
    for note in skipped:
        print("skipped block", note)


def test_api_reference_is_up_to_date() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_api_docs
    finally:
        sys.path.remove(str(ROOT / "tools"))
    current = (ROOT / "docs" / "api.md").read_text()
    assert current == gen_api_docs.render(), (
        "docs/api.md is stale: run `PYTHONPATH=src python tools/gen_api_docs.py`")


def test_guide_covers_every_memo_section() -> None:
    """docs/guide.md has one section per row of the memo table (shared/seed/README.md)."""
    headings = re.findall(r"^## (\d+)\. ", (ROOT / "docs" / "guide.md").read_text(), re.M)
    assert [int(h) for h in headings] == list(range(1, 22))
