"""The Teams triage card, its forms and its thread lines, as pure functions of the core's
views: the buttons each state offers (the core's offers), the forms on the card, the size
limit, escaping, and that an anonymous supplier is never named."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.complaints import lifecycle
from bot.complaints.delivery_views import PostedCard, ThreadLine
from bot.complaints.views import CaseView
from bot.people import PersonRef
from handlers.teams import case_card, case_forms, case_lines
from handlers.teams.cards import CARD_BUDGET_BYTES, card_bytes

DAY = date(2026, 11, 20)
ASSIGNEE = PersonRef(7, "Sam Lee", (("teams", "29:sam"),))


def view(**over) -> CaseView:
    base = dict(
        id=1,
        reference="MS-2026-0001",
        kind="complaint",
        kind_label="Complaint",
        status="received",
        status_label="Received",
        authority="Borough Council",
        authority_kind="local",
        title="Road repairs framework",
        procurement_reference=None,
        stage_label="Tender",
        category="late_payment",
        category_label="Late payment",
        anonymous=False,
        raised_by_label="Acme Ltd (SME)",
        raised_by_id=3,
        assignee=None,
        received_on=DAY,
        due=DAY,
        effective_due=DAY,
        overdue=False,
        due_soon=False,
        authority_contacted_on=None,
        authority_reply_due=None,
        authority_overdue=False,
        authority_due_soon=False,
        related=(),
        allowed=(),
        can_assign_self=True,
        can_assign=True,
        can_reassign=False,
        outcome=None,
        outcome_label=None,
        money_released_pence=None,
        follow_up_due=None,
        follow_up_result=None,
        status_reason=None,
        what_happened="They paid late.",
        organisation_type_label="SME",
        organisation_name="Acme Ltd",
        offered=lifecycle.offered_moves("received", None),
    )
    base.update(over)
    return CaseView(**base)


def verbs(card: dict) -> list[str]:
    found = []
    for action in card.get("actions", []):
        if action["type"] == "Action.ShowCard":
            found += [f"show:{a['verb']}" for a in action["card"]["actions"]]
        else:
            found.append(action["verb"])
    return found


def test_a_new_case_offers_assign_to_me_assign_to_and_the_states_moves():
    card = case_card.card(view(), staff=[("7", "Sam Lee"), ("8", "Ada Jones")])
    found = verbs(card)
    assert found[0] == case_card.ASSIGN_SELF
    assert f"show:{case_card.ASSIGN_TO}" in found
    moves = [a["data"].get("move") for a in card["actions"] if a.get("verb") == case_card.MOVE]
    offered = [o.name for o in lifecycle.offered_moves("received", None) if not o.form]
    assert moves == offered
    assign_to = next(a for a in card["actions"] if a["title"] == "Assign to…")
    [choice] = assign_to["card"]["body"]
    assert [c["value"] for c in choice["choices"]] == ["7", "8"]


def test_an_assigned_case_has_no_assign_to_me_and_does_not_offer_its_assignee():
    card = case_card.card(
        view(assignee=7, people={7: ASSIGNEE}), staff=[("7", "Sam Lee"), ("8", "Ada")]
    )
    assert case_card.ASSIGN_SELF not in verbs(card)
    [facts] = [b for b in card["body"] if b["type"] == "FactSet"]
    facts = {f["title"]: f["value"] for f in facts["facts"]}
    assert facts["Assignee"] == "Sam Lee"
    assign_to = next(a for a in card["actions"] if a["title"] == "Assign to…")
    assert [c["value"] for c in assign_to["card"]["body"][0]["choices"]] == ["8"]


def test_a_closed_case_has_no_buttons():
    card = case_card.card(view(status="closed", status_label="Closed", offered=()))
    assert "actions" not in card


def test_form_moves_open_their_inputs_on_the_card():
    offered = lifecycle.offered_moves("investigating", None)
    card = case_card.card(view(status="investigating", offered=offered, payment_case=True))
    forms = [a for a in card["actions"] if a["type"] == "Action.ShowCard"]
    resolve = next(a for a in forms if a["title"] == "Resolve")
    ids = [e["id"] for e in resolve["card"]["body"]]
    assert ids[:2] == ["outcome", "agreed_actions"] and "money_released" in ids
    assert resolve["card"]["actions"][0]["data"] == {
        "verb": case_card.FORM,
        "reference": "MS-2026-0001",
        "form": "resolve",
    }
    plain = case_card.card(view(status="investigating", offered=offered))
    resolve = next(a for a in plain["actions"] if a["title"] == "Resolve")
    assert "money_released" not in [e["id"] for e in resolve["card"]["body"]]


def test_an_anonymous_case_never_names_its_supplier():
    card = case_card.card(
        view(anonymous=True, organisation_name=None, raised_by_label="Anonymous supplier")
    )
    text = json.dumps(card)
    assert "Anonymous supplier" in text and "Acme" not in text


def test_a_refusal_notice_and_kept_answers_show_for_the_presser():
    card = case_card.card(
        view(),
        notice="Only leads can reassign.",
        values={"reason": "Not a procurement"},
    )
    assert card["body"][0]["text"] == "Only leads can reassign." and card["body"][0]["color"]
    scope = next(a for a in card["actions"] if a["title"] == "Out of scope")
    assert scope["card"]["body"][0]["value"] == "Not a procurement"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40_000), st.text(max_size=300))
def test_any_text_fits_the_limit_and_forms_no_mention_or_link(what, title):
    card = case_card.card(view(what_happened=what, title=title, status_reason=what))
    assert card_bytes(card) <= CARD_BUDGET_BYTES
    for block in card["body"]:
        assert "<at>" not in json.dumps(block, ensure_ascii=False)
    assert verbs(card)[0] == case_card.ASSIGN_SELF  # the buttons always survive


def test_a_full_team_and_every_form_fit_the_limit():
    staff = [(str(n), "N" * 60) for n in range(case_card.CHOICES_MAX)]
    offered = lifecycle.offered_moves("investigating", None)
    card = case_card.card(
        view(status="investigating", offered=offered, payment_case=True, what_happened="x" * 3000),
        staff,
        notice="y" * 300,
    )
    assert card_bytes(card) <= CARD_BUDGET_BYTES
    assign_to = next(a for a in card["actions"] if a["title"] == "Assign to…")
    assert len(assign_to["card"]["body"][0]["choices"]) == case_card.CHOICES_MAX


def test_reading_the_resolve_form():
    details = case_forms.read_resolve(
        {
            "outcome": "money_released",
            "agreed_actions": "Paid",
            "money_released": "£1,250.50",
            "public_summary": "Paid in full",
            "publishable": "true",
            "follow_up_plan": "date",
            "follow_up_due": "2026-12-24",
        },
        DAY,
    )
    assert details["money_released_pence"] == 125050 and details["publishable"] is True
    assert details["follow_up_due"] == date(2026, 12, 24)
    assert not details["summary_uses_supplier_words"]


def test_unreadable_answers_are_named_by_field():
    try:
        case_forms.read_resolve(
            {"money_released": "lots", "follow_up_plan": "date", "follow_up_due": "x"}, DAY
        )
    except case_forms.FormErrors as exc:
        assert set(exc.errors) == {"money_released", "follow_up_due"}
        assert "Money released" in case_forms.refused_fields(exc.errors)
    else:
        raise AssertionError("read an amount that is not one")


def line(event: str, **over) -> ThreadLine:
    base = dict(event=event, actor=ASSIGNEE, text="", card=PostedCard("19:c", "1"))
    return ThreadLine(**{**base, **over})


def test_thread_lines_name_staff_and_never_the_supplier():
    said, card = case_lines.thread_card(line("supplier_replied", actor=None, text="We agree."))
    assert said == "The supplier replied:"
    assert [b["text"] for b in card["body"]] == ["The supplier replied:", "We agree."]
    said, _ = case_lines.thread_card(line("assigned", assigned_to=PersonRef(8, "Ada Jones")))
    assert said == "Sam Lee assigned the case to Ada Jones."
    said, card = case_lines.thread_card(
        line("transition", from_label="Received", to_label="Out of scope", reason="[x](y)")
    )
    assert card["body"][1]["text"] == r"\[x\](y)"


def test_a_line_naming_a_mention_cannot_form_one():
    said, card = case_lines.thread_card(line("relayed", text="<at>Head</at> hi"))
    assert "<at>" not in json.dumps(card, ensure_ascii=False)
    assert said == "Sam Lee sent the supplier:"
