"""The register of personal data covers every column of every model, says what export,
erasure and retention need to know about each personal one, and docs/privacy-register.md is
generated from it (issue 17 item 1)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.privacy import register
from bot.privacy.terms import RULES, Kind


def test_every_model_column_is_classified():
    assert register.unclassified(SQLModel.metadata) == [], register.advice_for_unclassified(
        SQLModel.metadata
    )


def test_the_register_names_no_column_that_is_gone():
    assert register.stale(SQLModel.metadata) == [], register.advice_for_stale(SQLModel.metadata)


def test_the_walk_really_covers_the_models():
    """Guard against a walk that finds nothing (and so nothing unclassified)."""
    columns = register.model_columns(SQLModel.metadata)
    assert {"complaint", "case_note", "outbox_message", "shadow_applicant"} <= set(columns)
    assert sum(len(c) for c in columns.values()) > 150


def test_every_personal_column_answers_whose_why_how_long_and_export_and_erasure():
    problems = {
        f"{table}.{column}": entry.problems()
        for table, columns in register.REGISTER.items()
        for column, entry in columns.items()
        if entry.problems()
    }
    assert problems == {}
    used = {e.retention for cols in register.REGISTER.values() for e in cols.values()} - {None}
    assert used <= set(RULES), "a retention rule used by a column is missing from RULES"


def test_each_finding_of_the_walk_through_is_a_place_export_reads_and_erasure_reaches():
    for finding in register.FINDINGS:
        for place in finding.places:
            entry = register.entry(place)
            assert entry is not None, (
                f"{place} is no longer in the register, but FINDINGS in bot/privacy/register.py "
                f"still names it for: {finding.what} Point the finding at the column (or "
                "table) that now holds that data, or drop the place if it is no longer stored."
            )
            assert entry.personal and entry.export, place
            assert entry.erase or entry.erase_note, f"{place}: erasure, or the reason why not"
            assert entry.note, f"{place} needs a note on what the walk-through found"


def test_json_columns_say_what_person_data_can_sit_inside():
    for table in SQLModel.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, JSON):
                entry = register.entry(f"{table.name}.{column.name}")
                assert entry is not None and entry.note, f"{table.name}.{column.name}"


def test_a_column_the_register_does_not_know_is_named_with_what_to_add():
    metadata = MetaData()
    renamed = [c for c in SQLModel.metadata.tables["complaint"].columns if c.name != "due_date"]
    Table(
        "complaint",
        metadata,
        *(Column(c.name, c.type) for c in renamed),
        Column("reporter_id", Integer),
    )
    Table("platform_account", metadata, Column("id", Integer), Column("user_id", String(200)))
    assert register.unclassified(metadata) == [
        "complaint.reporter_id",
        "platform_account.id",
        "platform_account.user_id",
    ]
    advice = register.advice_for_unclassified(metadata)
    assert "table complaint: in bot/privacy/complaint_columns.py, add to COMPLAINT:" in advice
    assert '"reporter_id": personal(Kind.<kind>' in advice
    assert '"reporter_id": not_personal(' in advice
    assert "the register still has due_date in COMPLAINT" in advice
    assert "new table platform_account" in advice and "PLATFORM_ACCOUNT" in advice
    assert "platform_account.user_id (VARCHAR(200))" in advice
    assert "Kind.PSEUDONYMOUS_ID" in advice and "Whose.SUPPLIER" in advice and "CASE" in advice
    assert register.REGENERATE in advice


def test_a_column_that_is_gone_is_named_with_what_to_remove():
    metadata = MetaData()
    kept = [c for c in SQLModel.metadata.tables["complaint"].columns if c.name != "due_date"]
    Table("complaint", metadata, *(Column(c.name, c.type) for c in kept))
    advice = register.advice_for_stale(metadata)
    expected = (
        'complaint.due_date: remove "due_date" from COMPLAINT in bot/privacy/complaint_columns.py'
    )
    assert expected in advice
    assert (
        "table case_note is gone: remove CASE_NOTE and its TABLES line from "
        "bot/privacy/complaint_columns.py" in advice
    )
    assert advice.count("case_note") == 1  # one line for a whole table, not one per column


def test_kinds_have_a_one_line_meaning():
    assert [k.name for k in Kind] == [
        "NOT_PERSONAL",
        "IDENTITY",
        "CONTACT",
        "WRITTEN_BY_PERSON",
        "ABOUT_PERSON",
        "PSEUDONYMOUS_ID",
    ]
    assert all(k.value and "\n" not in k.value for k in Kind)


def test_the_committed_document_is_current():
    text = register.render()
    committed = register.DOCUMENT.read_text() if register.DOCUMENT.exists() else ""
    assert committed == text, (
        f"docs/privacy-register.md is out of date: run `{register.REGENERATE}` and commit it."
    )


def test_the_check_command_agrees(capsys):
    assert register.main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_the_document_names_every_table_rule_and_personal_column():
    text = register.render()
    for table, columns in register.REGISTER.items():
        assert f"### `{table}`" in text
        for column in columns:
            assert f"`{column}`" in text
    for rule in RULES:
        assert rule.name in text
