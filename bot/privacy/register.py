"""The register of personal data: every column of every table, classified (issue 17 item 1).

Each table's entries live in the module of its feature (``complaint_columns``,
``shadowing_columns``, ``platform_columns``); this module puts them together, lists what the
issue's walk-through found, and compares the register with the models, so a column nobody
classified fails a test (tests/test_privacy_register.py) rather than going unnoticed.

``python -m bot.privacy.register`` writes docs/privacy-register.md from it
(``--check`` only says whether that file is current).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData

from bot.privacy import complaint_columns, platform_columns, shadowing_columns, terms
from bot.privacy.terms import Entry

# Where each table's entries are written; a new table goes into the module of its feature.
SOURCES = (complaint_columns, shadowing_columns, platform_columns)
REGISTER: dict[str, dict[str, Entry]] = {
    table: columns for source in SOURCES for table, columns in source.TABLES.items()
}
# Which register module takes the tables of which models module (for the test's advice).
MODULE_FOR_MODELS = {
    "models.complaint": complaint_columns,
    "models.shadowing": shadowing_columns,
    "models.messaging": platform_columns,
    "models.conversations": platform_columns,
    "models.jobs": platform_columns,
}
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "privacy-register.md"
REGENERATE = "python -m bot.privacy.register"


@dataclass(frozen=True)
class Finding:
    """A place the issue's walk-through found personal data kept where one would not look."""

    what: str
    places: tuple[str, ...]  # "table.column"


FINDINGS: tuple[Finding, ...] = (
    Finding(
        "Relayed texts are stored twice: an investigator's message to the supplier in its "
        "`relayed_to_supplier` audit event and in the outbox rows that sent it (the DM and the "
        "thread line); the supplier's reply in its case note and in the thread line's row.",
        ("complaint_event.data", "outbox_message.data", "case_note.text"),
    ),
    Finding(
        "Resolve texts are stored twice: in the case's columns and in the data of the "
        "`transition` event that set them.",
        (
            "complaint.agreed_actions",
            "complaint.public_summary",
            "complaint.follow_up_note",
            "complaint.status_reason",
            "complaint_event.data",
        ),
    ),
    Finding("A deleted note keeps its full text (only deleted_at is set).", ("case_note.text",)),
    Finding("An edited note keeps every earlier version.", ("case_note.history",)),
    Finding(
        "Sent outbox rows are never deleted and keep relayed texts and their recipients.",
        (
            "outbox_message.data",
            "outbox_message.recipient_user_id",
        ),
    ),
    Finding(
        "A note's source key embeds the channel id: for a supplier's reply, their DM's.",
        ("case_note.source_key",),
    ),
)


def entry(place: str) -> Entry | None:
    table, _, column = place.partition(".")
    return REGISTER.get(table, {}).get(column)


def model_columns(metadata: MetaData) -> dict[str, list[str]]:
    """Every table's columns, in the models' order."""
    return {name: [c.name for c in table.columns] for name, table in metadata.tables.items()}


def unclassified(metadata: MetaData) -> list[str]:
    """``table.column`` of each model column the register does not classify."""
    return [
        f"{table}.{column}"
        for table, columns in model_columns(metadata).items()
        for column in columns
        if column not in REGISTER.get(table, {})
    ]


def stale(metadata: MetaData) -> list[str]:
    """``table.column`` of each register entry no model has any more."""
    present = model_columns(metadata)
    return [
        f"{table}.{column}"
        for table, columns in REGISTER.items()
        for column in columns
        if column not in present.get(table, ())
    ]


def source_of(table: str, models_module: str | None = None) -> str:
    """The file a table's entries are (or belong) in."""
    for source in SOURCES:
        if table in source.TABLES:
            return _path(source)
    if models_module in MODULE_FOR_MODELS:
        return _path(MODULE_FOR_MODELS[models_module])
    return f"{_path(platform_columns)} (or a new bot/privacy/<feature>_columns.py in SOURCES)"


def _path(module) -> str:
    return f"bot/privacy/{module.__name__.rsplit('.', 1)[-1]}.py"


def _dict_name(table: str) -> str:
    """The name of the dict holding ``table``'s entries (or the one to create)."""
    for source in SOURCES:
        if table in source.TABLES:
            found = [k for k, v in vars(source).items() if v is source.TABLES[table]]
            return found[0] if found else table.upper()
    return table.upper()


def _models_modules(metadata: MetaData) -> dict[str, str]:
    """Table name -> the module of the model class that declares it."""
    from sqlmodel import SQLModel

    return {
        mapper.local_table.name: mapper.class_.__module__
        for mapper in SQLModel._sa_registry.mappers
        if mapper.local_table is not None and mapper.local_table.name in metadata.tables
    }


def _vocabulary() -> str:
    """The names an entry is written with (bot/privacy/terms.py), for the advice."""
    rules = [name for name, value in vars(terms).items() if isinstance(value, terms.Retention)]
    return (
        "  kinds: " + ", ".join(f"Kind.{k.name}" for k in terms.Kind) + "\n"
        "  whose: " + ", ".join(f"Whose.{w.name}" for w in terms.Whose) + "\n"
        "  retention rules: " + ", ".join(rules) + " (bot/privacy/terms.py)"
    )


def advice_for_unclassified(metadata: MetaData) -> str:
    """What to add to the register for every model column it does not classify; "" if none."""
    missing = unclassified(metadata)
    if not missing:
        return ""
    modules, gone = _models_modules(metadata), stale(metadata)
    lines = [
        f"The privacy register does not classify {len(missing)} model column(s). For each, "
        "add one of the two lines shown to the dict named, then regenerate "
        f"docs/privacy-register.md with `{REGENERATE}`. Written with:",
        _vocabulary(),
    ]
    for table in dict.fromkeys(place.partition(".")[0] for place in missing):
        columns = metadata.tables[table].columns
        where, name = source_of(table, modules.get(table)), _dict_name(table)
        if table in REGISTER:
            lines.append(f"table {table}: in {where}, add to {name}:")
        else:
            lines.append(
                f"new table {table}: in {where}, add {name}: dict[str, Entry] = {{...}} with "
                f'every column below, and "{table}": {name} to that module\'s TABLES:'
            )
        for place in (p for p in missing if p.partition(".")[0] == table):
            column = place.partition(".")[2]
            lines += [
                f"  {place} ({columns[column].type}):",
                f'      "{column}": personal(Kind.<kind>, Whose.<whose>, "why it is kept", '
                "<retention rule>),",
                f'   or "{column}": not_personal("why it says nothing about a person"),',
            ]
        renamed = [p.partition(".")[2] for p in gone if p.partition(".")[0] == table]
        if renamed:
            lines.append(
                f"  (the register still has {', '.join(renamed)} in {name}, which the model "
                "no longer has: if a new column replaces one, move that entry to the new name)"
            )
    return "\n".join(lines)


def advice_for_stale(metadata: MetaData) -> str:
    """What to remove from the register for columns no model has any more; "" if none."""
    gone = stale(metadata)
    if not gone:
        return ""
    lines = [
        f"The privacy register names {len(gone)} column(s) no model has. Remove each entry "
        f"(or move it to the column's new name), then regenerate with `{REGENERATE}`:"
    ]
    for table in dict.fromkeys(place.partition(".")[0] for place in gone):
        name, where = _dict_name(table), source_of(table)
        if table not in metadata.tables:
            lines.append(f"  table {table} is gone: remove {name} and its TABLES line from {where}")
            continue
        for place in (p for p in gone if p.partition(".")[0] == table):
            column = place.partition(".")[2]
            lines.append(f'  {place}: remove "{column}" from {name} in {where}')
    return "\n".join(lines)


# --- The generated document -----------------------------------------------------------------


def render() -> str:
    """docs/privacy-register.md, from the register alone."""
    from bot.privacy.document import render_document

    return render_document(REGISTER, FINDINGS, REGENERATE)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    current = DOCUMENT.read_text() if DOCUMENT.exists() else ""
    if "--check" in args:
        if current != text:
            print(f"{DOCUMENT} is out of date: run `{REGENERATE}`.")
            return 1
        return 0
    if current != text:
        DOCUMENT.write_text(text)
        print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
