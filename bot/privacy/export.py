"""Subject access: everything held about one person, as JSON and as a plain HTML page
(issue 17 item 2). Which rows and columns are theirs, and whose identities stay, is the
register's (bot.privacy.records); other people's identities are redacted."""

from __future__ import annotations

import html
import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.privacy import records
from bot.privacy.records import ACTOR, Db, Held, Subject
from bot.privacy.register import REGISTER

SOMEONE_ELSE = "[someone else]"
WITHHELD = "[withheld: another person's data]"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def shown(item: Held, column: str, subject: Subject):
    """What the subject's copy shows of one column of a row held about them."""
    entry, value = REGISTER[item.table][column], item.row[column]
    if not entry.personal or value is None:
        return _plain(value)
    if entry.link is not None:
        if not records.names_a_person(entry, item.row):
            return _plain(value)
        return value if value in subject or entry.staff_kept else SOMEONE_ELSE
    if item.scope != ACTOR:
        return _plain(value)
    if entry.author and item.row.get(entry.author) in subject:
        return value
    return WITHHELD


def build(db: Engine | Db, subject: Subject, now: datetime) -> dict:
    """The export as a JSON-ready dict: {table: [row, ...]} with how each row is theirs.
    ``db``: an engine, or a connection or session already open (the outbox's render)."""
    if isinstance(db, Engine):
        with db.connect() as conn:
            items = records.held(conn, subject)
    else:
        items = records.held(db, subject)
    tables: dict[str, list[dict]] = {}
    for item in items:
        row = {c: shown(item, c, subject) for c in REGISTER[item.table] if c in item.row}
        tables.setdefault(item.table, []).append({"held_as": item.scope, "row": row})
    return {
        "person": sorted(map(str, subject.identifiers)),
        "generated_at": now.isoformat(),
        "rows": sum(len(v) for v in tables.values()),
        "tables": tables,
    }


def _cell(value) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, indent=1)
    return html.escape("" if value is None else str(value))


def render_html(export: dict) -> str:
    """A readable page; every value escaped, no markup from anyone's text."""
    person = html.escape(", ".join(export["person"]))
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Data held about {person}</title></head><body>",
        f"<h1>Data held about {person}</h1>",
        f"<p>Made {html.escape(export['generated_at'])}: {export['rows']} records.</p>",
    ]
    for name, rows in export["tables"].items():
        parts.append(f"<h2>{html.escape(name)} ({len(rows)})</h2>")
        for item in rows:
            parts.append(f"<table><caption>{html.escape(item['held_as'])}</caption>")
            for column, value in item["row"].items():
                parts.append(
                    f"<tr><th>{html.escape(column)}</th><td><pre>{_cell(value)}</pre></td></tr>"
                )
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def as_json(export: dict) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2, default=str)


# The export's two files: suffix -> how it is written.
FORMATS = {"json": as_json, "html": render_html}


def write(export: dict, out: Path, stem: str = "subject-access") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, render in FORMATS.items():
        path = out / f"{stem}.{suffix}"
        path.write_text(render(export))
        paths.append(path)
    return paths
