"""The text front end is built on the core alone: none of its modules or tests imports the
Slack adapter (handlers/) or a Slack SDK, in the source or at run time."""

# Gap: tests/conftest.py imports handlers.slack.app at module level (for the Slack fixtures),
# so any pytest run loads the adapter into the process before a text test starts. Hence the
# second test below runs both stories in a clean interpreter. Moving the Slack fixtures into
# a plugin of their own would let pytest prove it in-process too.

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FORBIDDEN = ("handlers", "slack_sdk", "slack_bolt")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_text_front_end_module_imports_slack_or_the_adapter():
    modules = sorted(HERE.glob("*.py"))
    assert {p.name for p in modules} >= {"frontend.py", "transport.py", "render.py"}
    found = {p.name: imported(p) for p in modules}
    offenders = {
        name: sorted(m for m in names if m.split(".")[0] in FORBIDDEN)
        for name, names in found.items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # Of the rest of tests/ only this package is used: tests/conftest.py (which pytest loads
    # for the `engine` fixture) builds the Slack app, so nothing here may lean on it.
    borrowed = {m for names in found.values() for m in names if m.startswith("tests")}
    assert {m for m in borrowed if not m.startswith("tests.textfe")} == set()


# Both stories on a fresh SQLite database in a clean interpreter (no pytest, no conftest), then
# a look at what got imported: the proof that running them needs nothing from Slack.
RUN_BOTH_STORIES = """
import sys, tempfile
from bot.db import make_engine
from bot.migrate import upgrade
from tests.textfe import test_complaint_story, test_shadowing_story
for story in (test_complaint_story, test_shadowing_story):
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/msbot.db")
    upgrade(engine)
    story.run_story(engine)
    engine.dispose()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in %r)
print("LOADED", loaded)
"""


def test_both_stories_run_without_loading_slack_or_the_adapter():
    done = subprocess.run(
        [sys.executable, "-c", RUN_BOTH_STORIES % (FORBIDDEN,)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "LOADED []"
