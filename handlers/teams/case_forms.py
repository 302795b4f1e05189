"""The triage card's forms in Teams (resolve, out of scope, follow-up, assign to someone,
message the supplier): their inputs, shown on the card under a button (Action.ShowCard), and
reading a submission back into the details the core's move takes.

Reading only turns strings into values (an amount into pence, a date, a tick); what is
required and what is allowed is the core's to say (bot.complaints.lifecycle / resolution raise
ValidationFailed naming each field), so Teams and Slack refuse the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.complaints import catalog
from bot.complaints.intake import parse_amount_pence
from bot.complaints.relay import MAX_RELAY
from bot.complaints.resolution import MAX_REASON, MAX_SUMMARY
from handlers.teams.card_forms import FormField, input_element
from handlers.teams.cards import text_block

FOLLOW_UP_ON_A_DATE, NO_FOLLOW_UP = "date", "none"
FOLLOW_UP_PLANS = ((FOLLOW_UP_ON_A_DATE, "Follow up on the date below"), (NO_FOLLOW_UP, "None"))
FOLLOW_UP_CHOICES = (("yes", "Yes, carried out"), ("partly", "Partly"), ("no", "No"))
YES = "true"
# The core's field name -> the input that shows it (the amount is typed in pounds).
INPUT_FOR = {"money_released_pence": "money_released"}


class FormErrors(Exception):
    """Answers that cannot even be read (an amount that is not one, a date that is not)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def element(spec: FormField, values: Mapping[str, str] | None = None) -> dict:
    return input_element(spec, (values or {}).get(spec.id))


def assignee_field(people: Sequence[tuple[str, str]]) -> FormField:
    return FormField("assignee", "Assign to", "choice", required=True, choices=tuple(people))


RESOLVE_FIELDS = (
    FormField("outcome", "Outcome", "choice", required=True, choices=catalog.OUTCOMES),
    FormField(
        "agreed_actions",
        "What was agreed with the authority",
        "multiline",
        required=True,
        max_length=MAX_SUMMARY,
    ),
    FormField(
        "money_released",
        "Money released (£), for example 1250.00; empty if none",
        "text",
        max_length=30,
    ),
    FormField(
        "public_summary",
        "Summary for publication (no names; not the supplier's words unless ticked)",
        "multiline",
        required=True,
        max_length=MAX_SUMMARY,
    ),
    FormField("summary_uses_supplier_words", "The summary may quote the supplier", "toggle"),
    # Not ticked by default: nothing is published until an investigator says so.
    FormField("publishable", "Publish this anonymised summary", "toggle"),
    FormField("follow_up_plan", "Follow-up", "choice", required=True, choices=FOLLOW_UP_PLANS),
    FormField("follow_up_due", "Follow-up date", "date"),
)
OUT_OF_SCOPE_FIELDS = (
    FormField(
        "reason",
        "Why is this out of scope? (the supplier is told)",
        "multiline",
        required=True,
        max_length=MAX_REASON,
    ),
)
FOLLOW_UP_FIELDS = (
    FormField(
        "follow_up_result",
        "Was the agreed change carried out?",
        "choice",
        required=True,
        choices=FOLLOW_UP_CHOICES,
    ),
    FormField(
        "follow_up_note",
        "Note: what you checked, and what you found",
        "multiline",
        required=True,
        max_length=MAX_REASON,
    ),
)
RELAY_FIELDS = (
    FormField(
        "message",
        "Message to the supplier (they never see who sent it)",
        "multiline",
        required=True,
        max_length=MAX_RELAY,
    ),
    FormField("await_reply", "Wait for their answer (the case waits for the supplier)", "toggle"),
)
FORMS = {
    "resolve": RESOLVE_FIELDS,
    "out_of_scope": OUT_OF_SCOPE_FIELDS,
    "follow_up": FOLLOW_UP_FIELDS,
}


def form_body(
    form: str, *, payment_case: bool, values: Mapping[str, str] | None = None
) -> list[dict]:
    """The form's inputs; ``values``: the answers of a refused submission, kept."""
    fields = FORMS[form]
    if not payment_case:
        fields = tuple(f for f in fields if f.id != "money_released")
    return [element(spec, values) for spec in fields]


def relay_body(values: Mapping[str, str] | None = None) -> list[dict]:
    intro = text_block("Their reply comes back to this card's replies, without their name.")
    return [intro, *(element(spec, values) for spec in RELAY_FIELDS)]


def _text(values: Mapping[str, str], name: str) -> str:
    value = values.get(name)
    return value if isinstance(value, str) else ""


def _ticked(values: Mapping[str, str], name: str) -> bool:
    return _text(values, name) == YES


def read_resolve(values: Mapping[str, str], today: date) -> dict:
    errors: dict[str, str] = {}
    money = None
    if raw := _text(values, "money_released").strip():
        try:
            money = parse_amount_pence(raw)
        except ValueError as exc:
            errors["money_released"] = str(exc)
    follow_up = None
    plan = _text(values, "follow_up_plan")
    if plan not in dict(FOLLOW_UP_PLANS):
        errors["follow_up_plan"] = "Choose whether to follow up, and when."
    elif plan == FOLLOW_UP_ON_A_DATE:
        try:
            follow_up = date.fromisoformat(_text(values, "follow_up_due"))
        except ValueError:
            errors["follow_up_due"] = "Give the date of the follow-up."
        else:
            if follow_up <= today:
                errors["follow_up_due"] = "The follow-up date must be in the future."
    if errors:
        raise FormErrors(errors)
    return {
        "outcome": _text(values, "outcome"),
        "agreed_actions": _text(values, "agreed_actions"),
        "money_released_pence": money,
        "public_summary": _text(values, "public_summary"),
        "summary_uses_supplier_words": _ticked(values, "summary_uses_supplier_words"),
        "publishable": _ticked(values, "publishable"),
        "follow_up_due": follow_up,
    }


def read_out_of_scope(values: Mapping[str, str], today: date) -> dict:
    return {"reason": _text(values, "reason")}


def read_follow_up(values: Mapping[str, str], today: date) -> dict:
    result = _text(values, "follow_up_result")
    if result not in dict(FOLLOW_UP_CHOICES):
        raise FormErrors({"follow_up_result": "Please choose yes, partly or no."})
    return {"follow_up_result": result, "follow_up_note": _text(values, "follow_up_note")}


READERS = {"resolve": read_resolve, "out_of_scope": read_out_of_scope, "follow_up": read_follow_up}
LABELS = {
    spec.id: spec.label
    for spec in (*RESOLVE_FIELDS, *OUT_OF_SCOPE_FIELDS, *FOLLOW_UP_FIELDS, *RELAY_FIELDS)
}


def refused_fields(errors: Mapping[str, object]) -> str:
    """One line naming each refused answer and why, for the card's notice."""
    parts = []
    for name, why in errors.items():
        shown = INPUT_FOR.get(str(name), str(name))
        label = LABELS.get(shown, shown.replace("_", " ")).split(" (")[0]
        parts.append(f"{label}: {why}")
    return " ".join(parts)
