"""The core stays platform-neutral: nothing in bot/ imports Slack or the Slack adapter."""

from __future__ import annotations

import ast
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
