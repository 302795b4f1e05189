"""Adaptive Card building blocks for Teams: someone's text never becomes a link, a mention or a
heading, and no card outgrows Teams' message limit, whatever the text (property tests), and the
builders carry what the handlers need (verbs, submission tokens, per-field errors)."""

from __future__ import annotations

import html
import json
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from handlers.teams import card_text, cards
from handlers.teams.card_forms import (
    ERROR_SUFFIX,
    FormField,
    continue_dialog,
    dialog_form,
    dialog_message,
)
from handlers.teams.card_text import safe_text

# Text with the pieces an attacker (or an unlucky paste) would use, mixed with anything at all.
PIECES = [
    "[", "]", "(", ")", "<", ">", "at>", "</at>", "<at>", "#", "##", "- ", "* ", "+ ", "1. ",
    "2) ", "> ", "===", "---", "\\", "*", "_", "~", "`", "|", "!", "http", "https", "://", "//",
    "www", ".", "..", "com", "co.uk", "evil", "@", "mailto:", "\n", "\r", " ", "\t", "\x00",
    "\x1b", "\u202e", "\u2060", "\u200b", "\u2024", "😀", "é", "\ud800", "&lt;", "&#91;",
]  # fmt: skip
hostile_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40).map(
    "".join
)

_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
# A CommonMark renderer as permissive as a card client could be: raw HTML on, web addresses
# and bare domains turned into links (linkify), strikethrough and tables on.
RENDERER = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
    ["linkify", "strikethrough", "table"]
)


def as_typed(shown: str) -> str:
    """Undo the invisible or look-alike characters safe_text adds."""
    for added, original in ((card_text.WORD_JOINER, ""), ("\u2024", "."), ("\u00a0", " ")):
        shown = shown.replace(added, original)
    return shown


def unescaped(text: str) -> str:
    """What a Markdown renderer shows: each backslash escape becomes the character it escapes.
    Link detectors run on this, so it is what must hold no address."""
    return _UNESCAPE.sub(r"\1", text)


def active_chars(text: str) -> list[tuple[int, str]]:
    """(position, character) of every character not escaped by a backslash."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        found.append((i, text[i]))
        i += 1
    return found


def link_or_mention_problems(text: str) -> list[str]:
    problems = []
    active = {ch for _, ch in active_chars(text)}
    if active & set("[]*_~`#|"):
        problems.append(f"unescaped Markdown {sorted(active & set('[]*_~`#|'))}")
    for line in text.split("\n"):
        stripped = line.lstrip(" \u00a0")
        if re.match(r"[-+>=]|\d+[.)](\s|$)", stripped):
            problems.append(f"line starts a list, quote or heading: {line!r}")
    shown = unescaped(text)
    if re.search(r"<\s*/?\s*at", shown, re.IGNORECASE):
        problems.append("an <at> mention")
    if re.search(r"<[A-Za-z/!?]", shown):
        problems.append("an HTML tag or <autolink>")
    if "//" in shown:
        problems.append("a // address")
    if re.search(r"mailto:", shown, re.IGNORECASE):
        problems.append("a mailto: address")
    for i, ch in enumerate(shown[1:-1], start=1):
        if (
            ch == "."
            and card_text.is_pseudo_letter(shown[i - 1])
            and card_text.is_pseudo_letter(shown[i + 1])
        ):
            problems.append(f"a domain-like dot in {shown[max(0, i - 8) : i + 8]!r}")
            break
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs") and ch != "\n":
            problems.append(f"control character {ch!r}")
        if unicodedata.category(ch) == "Cf" and ch not in (card_text.WORD_JOINER, "\u200d"):
            problems.append(f"format character {ch!r}")
    return problems


@pytest.mark.parametrize(
    "typed",
    [
        "[click here](https://evil.example/login)",
        "<at>Head of Commercial</at> please approve",
        "# URGENT\n## read me",
        "Visit www.evil.co.uk or evil.com or mail me@evil.org",
        "<https://evil.example>",
        "mailto:x@localhost",
        "1. one\n2) two\n- three\n> quote\nTitle\n===",
        "![img](http://x/y.png)",
        "evil😀.com and http:///evil",
        "a\u202egnp.exe",
    ],
)
def test_known_attacks_show_as_typed_text(typed):
    shown = safe_text(typed)
    assert link_or_mention_problems(shown) == []
    # The words survive: what a reader sees matches what was typed, invisible marks aside.
    assert as_typed(unescaped(shown)) == card_text.clean(typed)


def test_the_detector_finds_what_it_looks_for():
    """The property below is only as good as this check, so it must catch raw text."""
    for raw in ["[a](b)", "<at>x</at>", "# h", "- item", "evil.com", "http://x", "a\x00"]:
        assert link_or_mention_problems(raw), raw


def test_a_host_name_of_unassigned_code_points_is_no_link():
    """Found by the property below: linkify reads an unassigned code point as a letter."""
    assert link_or_mention_problems(safe_text("\ud7fc.YT")) == []
    assert "<a" not in RENDERER.render(safe_text("\ud7fc.YT"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_no_text_yields_a_link_mention_heading_or_control_character(typed):
    assert link_or_mention_problems(safe_text(typed)) == []


def _squeezed(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_a_markdown_renderer_shows_the_words_as_typed_and_nothing_else(typed):
    """Rendered by markdown-it with linkify: only paragraphs and line breaks come out (no link,
    heading, list, emphasis, code or HTML), and the words are the ones typed."""
    rendered = RENDERER.render(safe_text(typed))
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", rendered))
    assert tags <= {"p", "br"}, rendered
    words = html.unescape(re.sub(r"<[^>]*>", " ", rendered))
    # Compared modulo the look-alikes, which the person may also have typed themselves.
    expected = as_typed(card_text.clean(typed)).replace("\ufffd", "")
    assert _squeezed(as_typed(words).replace("\ufffd", "")) == _squeezed(expected)


@settings(deadline=None)
@given(hostile_text, st.integers(min_value=1, max_value=60))
def test_truncation_respects_the_limit(typed, limit):
    shortened = card_text.truncate(card_text.clean(typed), limit)
    assert len(shortened) <= limit
    assert shortened == card_text.clean(typed) or shortened.endswith(card_text.ELLIPSIS)
    assert link_or_mention_problems(safe_text(typed, limit)) == []


big_texts = st.lists(
    st.one_of(hostile_text, st.text(min_size=500, max_size=4000), st.just("😀" * 3000)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(big_texts, big_texts)
def test_no_card_outgrows_the_limit(texts, facts):
    body = [cards.heading(texts[0]), *[cards.text_block(t) for t in texts]]
    body.append(cards.fact_set(zip(facts, texts, strict=False)))
    card = cards.adaptive_card(
        body, [cards.execute_action("Assign to me", "assign", {"case": "7"})]
    )
    fitted = cards.shrink_to_fit(card, 'Type "status" in your chat with msbot for the rest.')
    assert cards.card_bytes(fitted) <= cards.CARD_BUDGET_BYTES
    assert fitted["actions"] == card["actions"]
    for block in fitted["body"]:
        for text in [block.get("text", "")] + [f["value"] for f in block.get("facts", [])]:
            assert link_or_mention_problems(text) == []

    before = json.dumps(body)
    pages = cards.split_to_fit([cards.heading("Digest")], body[1:])
    assert all(cards.card_bytes(page) <= cards.CARD_BUDGET_BYTES for page in pages)
    assert json.dumps(body) == before  # the caller's elements are not cut in place


def test_a_card_that_fits_is_left_alone_and_one_that_does_not_says_so():
    small = cards.adaptive_card([cards.heading("Case MS-2026-0012"), cards.text_block("hi")])
    assert cards.shrink_to_fit(small, "see more") is small

    notes = [cards.text_block(f"Note {n}: " + "x" * 2000) for n in range(30)]
    big = cards.adaptive_card([cards.heading("Timeline"), *notes])
    fitted = cards.shrink_to_fit(big, 'Type "timeline MS-2026-0012" to see all of it.')
    last = fitted["body"][-1]["text"]
    dropped = len(big["body"]) - (len(fitted["body"]) - 1)
    assert f"{dropped} more items did not fit in this card" in last
    assert "timeline MS" in last and fitted["body"][0] == big["body"][0]

    pages = cards.split_to_fit([cards.heading("Timeline")], notes, actions=[{"type": "x"}])
    assert len(pages) > 1 and sum(len(p["body"]) - 2 for p in pages) + 1 == len(notes)
    assert pages[0]["body"][-1]["text"] == f"Continued in the next message (1 of {len(pages)})."
    assert "actions" not in pages[0] and pages[-1]["actions"] == [{"type": "x"}]


def test_buttons_carry_their_verb_and_data():
    execute = cards.execute_action("Assign to me", "assign", {"case": "7"})
    assert execute == {
        "type": "Action.Execute",
        "title": "Assign to me",
        "verb": "assign",
        "data": {"verb": "assign", "case": "7"},
    }
    submit = cards.submit_action("Resolve", "open_form", {"form": "resolve"})
    assert submit["type"] == "Action.Submit" and submit["data"]["verb"] == "open_form"
    with pytest.raises(ValueError):
        cards.submit_action("x", "a", {"verb": "b"})
    assert cards.submitted({"verb": "assign", "submission_token": "t", "case": "7", "n": 3}) == (
        "assign",
        "t",
        {"case": "7"},
    )
    assert cards.submitted(["not", "a", "dict"]) == (None, None, {})
    assert cards.new_submission_token() != cards.new_submission_token()


FIELDS = [
    FormField("supplier", "Supplier name", required=True, max_length=200),
    FormField("details", "What happened", kind="multiline", required=True),
    FormField(
        "route", "Route", kind="choice", choices=(("open", "Open"), ("framework", "Framework"))
    ),
    FormField("noticed", "When you noticed", kind="date"),
    FormField("anonymous", "Stay anonymous", kind="toggle"),
]


def _inputs(card):
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


def test_a_refused_form_keeps_the_answers_and_shows_each_error_under_its_field():
    answers = {
        "supplier": "Acme <at>Lead</at>",
        "details": "They [asked](http://x) for a bribe",
        "route": "framework",
        "noticed": "2026-11-02",
        "anonymous": "true",
    }
    card = dialog_form(
        FIELDS,
        verb="complaint_submit",
        submission_token="tok-1",
        values=answers,
        errors={"noticed": "That date is in the future.", "elsewhere": "Try again later."},
    )
    inputs = _inputs(card)
    # Inputs show values as plain text (no Markdown there), so they are kept as typed.
    assert {k: inputs[k]["value"] for k in answers} == answers
    ids = [e.get("id") for e in card["body"]]
    assert ids.index("noticed" + ERROR_SUFFIX) == ids.index("noticed") + 1
    assert card["body"][ids.index("noticed" + ERROR_SUFFIX)]["color"] == "Attention"
    assert "elsewhere" + ERROR_SUFFIX in ids  # an error for no field is still shown
    assert card["body"][0]["text"] == "Please correct the 2 answers below."
    (submit,) = card["actions"]
    assert submit["data"] == {"verb": "complaint_submit", "submission_token": "tok-1"}
    assert inputs["supplier"]["isRequired"] and inputs["supplier"]["errorMessage"]


def test_a_form_drops_values_that_do_not_fit_their_field():
    card = dialog_form(
        FIELDS,
        verb="v",
        submission_token="t",
        values={"route": "forged", "noticed": "yesterday", "supplier": "x" * 500},
    )
    inputs = _inputs(card)
    assert "value" not in inputs["route"] and "value" not in inputs["noticed"]
    assert len(inputs["supplier"]["value"]) == 200
    assert inputs["anonymous"]["value"] == "false"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from([f.id for f in FIELDS]), st.one_of(hostile_text, st.text(max_size=5000))
    ),
    st.dictionaries(
        st.text(max_size=20), st.one_of(hostile_text, st.text(max_size=3000)), max_size=8
    ),
)
def test_no_form_outgrows_the_limit_or_loses_a_field(values, errors):
    card = dialog_form(FIELDS, verb="v", submission_token="t", values=values, errors=errors)
    assert cards.card_bytes(card) <= cards.CARD_BUDGET_BYTES
    assert set(_inputs(card)) == {f.id for f in FIELDS}
    for block in card["body"]:
        if block["type"] == "TextBlock":
            assert link_or_mention_problems(block["text"]) == []
    json.dumps(card)  # serialisable as sent


def test_dialog_answers_wrap_the_form_as_teams_expects():
    card = dialog_form(FIELDS, verb="v", submission_token="t")
    answer = continue_dialog(card, "Raise a complaint")
    assert answer["task"]["type"] == "continue"
    value = answer["task"]["value"]
    assert value["title"] == "Raise a complaint"
    assert value["card"] == {"contentType": cards.ADAPTIVE_CARD, "content": card}
    assert dialog_message("Thank you\x00") == {"task": {"type": "message", "value": "Thank you"}}
