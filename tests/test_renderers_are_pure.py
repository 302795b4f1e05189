"""Renderers are pure functions of the core's read models.

A *renderer module* is a module of the Slack adapter that draws messages, screens and App
Home: every module under handlers/slack/ named ``*_blocks.py``, ``blocks.py``,
``*messages.py``, ``case_card.py`` or ``*form*.py`` (modals), and ``slack_text.py``.
Listener code (parse, call the core, hand the result to a renderer) lives in the other
modules; where both shared a module they were split (home.py / home_blocks.py, signup.py /
signup_blocks.py, ...).

A renderer module never reads the database: it imports no ORM (sqlmodel, sqlalchemy, models,
bot.db), takes no session or engine, and opens no transaction. The outbox's renderers are
composed in handlers/slack/deliveries.py from a core loader (which reads the queued row's
subject into a read model) and a pure renderer. People are drawn only through
slack_text.mention, so no renderer writes a mention's markup itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLACK = ROOT / "handlers" / "slack"
ORM = ("sqlmodel", "sqlalchemy", "models", "bot.db")
DATA_ACCESS_NAMES = {"session", "engine", "s", "Session", "Engine", "transaction"}


def renderer_modules() -> list[Path]:
    found = {SLACK / "slack_text.py"}
    for pattern in ("*_blocks.py", "blocks.py", "*messages.py", "case_card.py", "*form*.py"):
        found.update(SLACK.rglob(pattern))
    return sorted(found)


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def impurities(source: str) -> list[str]:
    """What in a module's source reaches for the database or writes a mention by hand."""
    tree = ast.parse(source)
    found = [
        f"imports {name}"
        for name in sorted(_imports(tree))
        if any(name == orm or name.startswith(orm + ".") for orm in ORM)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                if arg.arg in DATA_ACCESS_NAMES or "Session" in annotation:
                    found.append(f"line {node.lineno}: takes {arg.arg}")
        elif isinstance(node, ast.Name) and node.id in DATA_ACCESS_NAMES:
            found.append(f"line {node.lineno}: uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in {"engine", "exec", "execute"}:
            found.append(f"line {node.lineno}: uses .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "<@" in node.value:
            found.append(f"line {node.lineno}: writes a mention's markup")
    return found


def test_renderer_modules_are_found():
    names = {p.relative_to(SLACK).as_posix() for p in renderer_modules()}
    expected = {
        "complaints/case_card.py",
        "complaints/form.py",
        "complaints/investigation_forms.py",
        "complaints/timeline_blocks.py",
        "complaints/messages.py",
        "complaints/report_blocks.py",
        "complaints/supplier_messages.py",
        "home_blocks.py",
        "shadowing/blocks.py",
        "shadowing/conflict_blocks.py",
        "shadowing/forms.py",
        "shadowing/offer_blocks.py",
        "shadowing/placement_blocks.py",
        "shadowing/round_blocks.py",
        "shadowing/signup_blocks.py",
        "shadowing/status_blocks.py",
        "slack_text.py",
    }
    assert expected <= names


def test_renderers_never_read_the_database():
    offenders = {}
    for path in renderer_modules():
        found = impurities(path.read_text())
        if path.name == "slack_text.py":
            # The one place a mention is written.
            found = [f for f in found if not f.endswith("writes a mention's markup")]
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_check_finds_data_access():
    source = """
from sqlmodel import Session
from models import Complaint
from bot.db import transaction

def card(session: Session, case_id):
    return session.get(Complaint, case_id)

def line(view, services):
    with transaction(services.engine) as tx:
        return f"<@{view.assignee}>"

render = lambda s, msg: None
"""
    found = impurities(source)
    assert "imports sqlmodel" in found and "imports models" in found and "imports bot.db" in found
    assert "line 6: takes session" in found
    assert any("uses transaction" in f for f in found) and any(".engine" in f for f in found)
    assert any("mention's markup" in f for f in found)
    assert any(f.endswith(": takes s") for f in found)
    assert impurities("def card(view):\n    return view.reference\n") == []
