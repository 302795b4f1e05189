"""The live triage card in Teams: an Adaptive Card drawn from the case's read model
(bot.complaints.views.CaseView), posted once in the triage channel and then updated in place
(updateActivity) after every change. A pure function of the view: the core decides what is
overdue, which moves the state offers and what is related, as for Slack's card.

Its buttons are Universal Actions (``Action.Execute``): the invoke's answer replaces the card
for the person who pressed, so a refusal shown in that answer is seen by them alone. The forms
(assign to someone, resolve, out of scope, follow-up, message the supplier) open on the card
itself (``Action.ShowCard``): the Agents Playground, like some Teams clients, cannot open a
dialog from a card button. Their handlers are in case_actions.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.complaints import catalog, related_view
from bot.complaints.views import CaseView
from handlers.teams import case_forms
from handlers.teams.cards import (
    adaptive_card,
    execute_action,
    fact_set,
    heading,
    see_more_block,
    shrink_to_fit,
    text_block,
)

SUMMARY_MAX = 600
CHOICES_MAX = 100  # people offered by "Assign to…"

# Verbs of the card's buttons (case_actions.py routes on them).
ASSIGN_SELF = "case.assign_self"
ASSIGN_TO = "case.assign_to"
MOVE = "case.move"  # data "move": a move that needs no form
FORM = "case.form"  # data "form": resolve, out_of_scope, follow_up (inputs on the card)
RELAY = "case.relay"  # a message to the supplier, optionally waiting for their answer
REFRESH = "case.refresh"  # show the card as it is now (after a notice)
VERBS = (ASSIGN_SELF, ASSIGN_TO, MOVE, FORM, RELAY, REFRESH)
REFERENCE = "reference"


def _day(d) -> str:
    return f"{d:%-d %b %Y}" if d else "-"


def person_name(case: CaseView, person_id: int | None) -> str:
    ref = case.person(person_id)
    return (ref.name if ref and ref.name else None) or "someone on the team"


def raised_by(case: CaseView) -> str:
    if case.kind == "spot_check":
        return "Spot check by the team"
    if case.anonymous or not case.organisation_name:
        return case.raised_by_label  # "Anonymous supplier": never who
    return f"{case.organisation_name} ({case.organisation_type_label})"


def facts(case: CaseView) -> list[tuple[str, str]]:
    pairs = [
        ("Status", case.status_label),
        ("Assignee", person_name(case, case.assignee) if case.assignee else "Unassigned"),
        ("Category", case.category_label),
        ("Authority", case.authority),
        ("Response due", _day(case.effective_due)),
        ("Raised by", raised_by(case)),
        ("Procurement", case.title),
    ]
    if case.authority_reply_due:
        replied = f" (replied {_day(case.authority_replied_on)})"
        due = _day(case.authority_reply_due) + (replied if case.authority_replied_on else "")
        pairs.append(("Authority reply due", due))
    if case.follow_up_due:
        pairs.append(("Follow-up due", _day(case.follow_up_due)))
    if case.outcome_label:
        pairs.append(("Outcome", case.outcome_label))
    if related := related_view.describe(case.related_summary):
        pairs.append(("Related cases", related))
    return pairs


def _data(case: CaseView, **more: str) -> dict:
    return {REFERENCE: case.reference, **more}


def _show_card(title: str, body: list[dict], submit: dict) -> dict:
    return {"type": "Action.ShowCard", "title": title, "card": adaptive_card(body, [submit])}


def actions(
    case: CaseView, staff: Sequence[tuple[str, str]] = (), values: Mapping[str, str] | None = None
) -> list[dict]:
    """The buttons that fit the case's state. ``staff``: (person id, name) of who may take a
    case, from the role directory; the assignee is not offered. ``values``: answers to keep
    in the forms (a refused submission's)."""
    if not case.is_open:
        return []
    out = []
    if case.assignee is None:
        out.append(execute_action("Assign to me", ASSIGN_SELF, _data(case), style="positive"))
    offered = [(pid, name) for pid, name in staff if pid != str(case.assignee)][:CHOICES_MAX]
    if offered:
        field = case_forms.assignee_field(offered)
        submit = execute_action("Assign", ASSIGN_TO, _data(case))
        out.append(_show_card("Assign to…", [case_forms.element(field)], submit))
    for offer in case.offered:
        label = catalog.MOVE_BUTTONS.get(offer.name, offer.name)
        if offer.form:
            body = case_forms.form_body(offer.name, payment_case=case.payment_case, values=values)
            submit = execute_action(label, FORM, _data(case, form=offer.name))
            out.append(_show_card(label, body, submit))
        else:
            out.append(execute_action(label, MOVE, _data(case, move=offer.name)))
    if case.kind != "spot_check":
        submit = execute_action("Send", RELAY, _data(case))
        out.append(_show_card("Message the supplier", case_forms.relay_body(values), submit))
    return out


def card(
    case: CaseView,
    staff: Sequence[tuple[str, str]] = (),
    *,
    notice: str | None = None,
    values: Mapping[str, str] | None = None,
) -> dict:
    """The card as everyone sees it. For the person who pressed a button alone (the invoke's
    answer): ``notice``, a line shown first in red (a refusal, or what a form needs), and
    ``values``, the answers of a refused form, kept."""
    title = "Spot check" if case.kind == "spot_check" else "Complaint"
    body: list[dict] = []
    if notice:
        body.append(text_block(notice, color="Attention", weight="Bolder"))
    body.append(heading(f"{title} {case.reference}"))
    if case.any_overdue:
        body.append(text_block("Overdue", color="Attention", weight="Bolder", spacing="None"))
    elif case.any_due_soon:
        body.append(text_block("Due soon", color="Warning", weight="Bolder", spacing="None"))
    body.append(fact_set(facts(case)))
    body.append(text_block("What happened", weight="Bolder"))
    body.append(text_block(case.what_happened, limit=SUMMARY_MAX, spacing="None"))
    if case.status_reason:
        body.append(text_block("Reason", weight="Bolder"))
        body.append(text_block(case.status_reason, limit=SUMMARY_MAX, spacing="None"))
    body.append(
        see_more_block(
            f"Received {_day(case.received_on)} · {case.reference} · reply to this card to add "
            "an internal note"
        )
    )
    drawn = adaptive_card(body, actions(case, staff, values))
    # The size guard drops trailing text, never the buttons: a huge "what happened" is cut.
    return shrink_to_fit(drawn, f'Type "@msbot timeline" in this card\'s replies for {title}.')


def summary(case: CaseView) -> str:
    """The message's plain text (notifications and the activity feed show it)."""
    title = "Spot check" if case.kind == "spot_check" else "Complaint"
    return f"{title} {case.reference}: {case.status_label}: {case.category_label}"
