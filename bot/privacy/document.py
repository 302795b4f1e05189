"""The register as a Markdown page (docs/privacy-register.md): written by a function, never by
hand, so the page and the register cannot disagree (a test compares them)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.privacy.terms import RULES, Entry, Kind, When, Whose

INTRO = """\
Every column of every table msbot stores, classified for data protection (UK GDPR): what kind
of data it holds, whose it is, why it is kept and for how long, and whether a subject-access
export must include it and an erasure must reach it (or why not). `msbot privacy export`,
`msbot privacy erase` and the `privacy_retention` job read this register and nothing else
(bot/privacy/records.py, erase.py, retention.py; docs/retention.md).

How to read it:

- A person's export includes every row one of their personal columns points at, with all of
  that row's columns (a not-personal column is exported as part of the row), and the rows
  that hang off it (a case's notes and events, a sign-up's placements).
- *Staff stay* means: in someone else's export, staff named in that column (investigators,
  leads, coordinators acting in their role) stay; anyone else named there is redacted. In
  every other column anyone but the person asking is redacted.
- An erasure removes or irreversibly anonymises the columns marked *yes* once no retention
  reason applies; a *no* says why that column stays.
- *Links*: a column marked *owner*, *addressee* or *actor* holds a person's id and is how
  their rows are found: an owner's row and the rows that *belong to* it are wholly theirs;
  an addressee's row (a message to them) too; an actor sees their id and the texts they
  wrote (*written by*), and an erasure reaches only those.
- A retention rule with nothing under *Applied today by* is enforced with the record it
  belongs to.
"""


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _duty(done: bool, why_not: str) -> str:
    return "yes" if done else f"no: {why_not}"


def _kind(entry: Entry) -> str:
    extra = [f"{entry.link.name.lower()} link"] if entry.link else []
    extra += [f"on rows whose {_rows(entry.link_when)}"] if entry.link_when else []
    extra += [f"written by `{entry.author}`"] if entry.author else []
    extra += [f"only if `{entry.erase_if}`"] if entry.erase_if else []
    return entry.kind.label + (f" ({'; '.join(extra)})" if extra else "")


def _rows(when: When) -> str:
    column, prefixes = when
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return f"`{column}` starts " + " or ".join(prefixes)


def _whose(entry: Entry) -> str:
    names = ", ".join(w.value for w in entry.whose)
    return f"{names} (staff stay)" if entry.staff_kept else names


def _summary(register: dict[str, dict[str, Entry]]) -> list[str]:
    entries = [e for columns in register.values() for e in columns.values()]
    personal = [e for e in entries if e.personal]
    by_kind = ", ".join(
        f"{sum(e.kind is kind for e in personal)} {kind.label}"
        for kind in Kind
        if kind is not Kind.NOT_PERSONAL
    )
    return [
        f"{len(register)} tables, {len(entries)} columns, {len(personal)} of them personal "
        f"({by_kind}).",
        "",
    ]


def _kinds() -> list[str]:
    return [
        "## Kinds of data",
        "",
        *_table(("Kind", "Meaning"), ((k.label, k.value) for k in Kind)),
    ]


def _people() -> list[str]:
    return ["## Whose data", "", ", ".join(w.value for w in Whose) + ".", ""]


def _rules() -> list[str]:
    rows = ((r.name, r.why, r.enforced_by or "not yet") for r in RULES)
    return ["## Retention rules", "", *_table(("Rule", "Why", "Applied today by"), rows), ""]


def _findings(findings) -> list[str]:
    lines = [
        "## Found in the walk-through (issue 17)",
        "",
        "Places a person's data sat where one would not look. Each is in the tables below as a "
        "place an export must read and an erasure must reach, with a note (or a reason why "
        "not).",
        "",
    ]
    for finding in findings:
        places = ", ".join(f"`{p}`" for p in finding.places)
        lines.append(f"- {finding.what} ({places})")
    return [*lines, ""]


def _table_section(name: str, columns: dict[str, Entry]) -> list[str]:
    lines = [f"### `{name}`", ""]
    personal = {c: e for c, e in columns.items() if e.personal}
    if personal:
        rows = (
            (
                f"`{column}`",
                _kind(e),
                _whose(e),
                e.why,
                e.retention.name if e.retention else "",
                _duty(e.export, e.export_note),
                _duty(e.erase, e.erase_note),
            )
            for column, e in personal.items()
        )
        header = ("Column", "Kind", "Whose", "Why kept", "Retention", "Export", "Erasure")
        lines += [*_table(header, rows), ""]
    plain = [c for c, e in columns.items() if not e.personal]
    if plain:
        lines += ["Not personal: " + ", ".join(f"`{c}`" for c in plain) + ".", ""]
    parents = [(c, e) for c, e in columns.items() if e.parent]
    for column, e in parents:
        when = f" (rows whose {_rows(e.parent_when)})" if e.parent_when else ""
        lines += [f"Belongs to the `{e.parent}` row named by `{column}`{when}.", ""]
    notes = [(c, e.note) for c, e in columns.items() if e.note]
    for column, note in notes:
        lines.append(f"- `{column}`: {_cell(note)}")
    return [*lines, ""] if notes else lines


def render_document(register: dict[str, dict[str, Entry]], findings, command: str) -> str:
    lines = [
        "# Register of personal data",
        "",
        f"Generated from `bot/privacy/register.py` by `{command}`: do not edit by hand (a "
        "test fails when this page and the register differ).",
        "",
        INTRO,
        *_summary(register),
        *_kinds(),
        "",
        *_people(),
        *_rules(),
        *_findings(findings),
        "## Tables",
        "",
    ]
    for name in sorted(register):
        lines += _table_section(name, register[name])
    return "\n".join(lines).rstrip("\n") + "\n"
