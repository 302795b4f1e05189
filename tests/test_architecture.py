"""The core stays platform-neutral: nothing in bot/ imports Slack or the Slack adapter."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bot/__main__.py only forwards `python -m bot` to the composition root in handlers/.
EXEMPT = {ROOT / "bot" / "__main__.py"}
FORBIDDEN = ("slack_bolt", "slack_sdk", "handlers")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_slack():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN
        )
        for path in (ROOT / "bot").rglob("*.py")
        if path not in EXEMPT
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) >= 10  # the walk really found the core's modules


# Slack's markup: a mention (<@U…>), a special mention or date (<!here>, <!subteam^…>,
# <!date^…>), a channel link (<#C…>) or a labelled link (<https://…|label>). HTML's <!doctype>
# and <!-- … --> (the published report is HTML) are not Slack markup.
SLACK_MARKUP = re.compile(r"<[@#]|<!(?!doctype|--)|<(?:https?|mailto):[^>|]*\|", re.IGNORECASE)


def string_pieces(path: Path):
    """(line, text) of every string constant in a module, the fixed parts of f-strings too."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_core_writes_no_slack_markup():
    """The core returns plain words and structured errors; each front end renders people and
    links its own way (the Slack adapter as mentions it builds itself)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}"
        for path in (ROOT / "bot").rglob("*.py")
        for line, text in string_pieces(path)
        if SLACK_MARKUP.search(text)
    ]
    assert offenders == []


def test_the_markup_check_finds_markup():
    found = [bool(SLACK_MARKUP.search(s)) for s in ("<@U1>", "<!here>", "<#C1>", "<https://x|y>")]
    assert found == [True] * 4
    assert not SLACK_MARKUP.search("<!doctype html>") and not SLACK_MARKUP.search("a < b")
