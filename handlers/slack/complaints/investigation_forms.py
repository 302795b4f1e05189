"""The investigation's forms: resolve, out of scope, follow-up. Building them, and reading a
submission back into the details the core's transition takes. Problems a person can fix are
reported next to their field."""

from __future__ import annotations

from datetime import date

from bot.complaints import catalog
from bot.complaints.intake import parse_amount_pence
from bot.complaints.lifecycle import MAX_REASON
from bot.reports import annual
from bot.text import clean
from handlers.slack import view_state as state
from handlers.slack.slack_text import context, escape, options, plain, section

RESOLVE = "complaint_resolve"
# The resolve form's sentence on what publishing shows (kept as drawn when the form is redrawn).
PUBLISHED = "published_note"
OUT_OF_SCOPE = "complaint_out_of_scope"
FOLLOW_UP = "complaint_follow_up"
CALLBACKS = {"resolve": RESOLVE, "out_of_scope": OUT_OF_SCOPE, "follow_up": FOLLOW_UP}

MAX_TEXT = 2900
FOLLOW_UP_CHOICES = (("yes", "Yes, carried out"), ("partly", "Partly"), ("no", "No"))
FOLLOW_UP_ON_A_DATE, NO_FOLLOW_UP = "date", "none"
FOLLOW_UP_PLANS = (
    (FOLLOW_UP_ON_A_DATE, "Follow up on a date"),
    (NO_FOLLOW_UP, "No follow-up needed"),
)


def _text(
    field: str, label: str, *, optional=False, multiline=True, hint=None, limit=MAX_TEXT
) -> dict:
    # The investigation's answers are free text: several lines up to MAX_TEXT unless told.
    return state.text_input(field, label, limit, multiline=multiline, optional=optional, hint=hint)


def _select(field: str, label: str, choices, *, radio=False) -> dict:
    element = {"type": "radio_buttons" if radio else "static_select", "options": options(choices)}
    if not radio:
        element["placeholder"] = plain("Choose one", 150)
    return state.input_block(field, label, element)


def _checkbox(field: str, label: str, option: str) -> dict:
    element = {"type": "checkboxes", "options": [{"text": plain(option, 75), "value": "yes"}]}
    return state.input_block(field, label, element, optional=True)


def _modal(callback_id: str, title: str, submit: str, reference: str, blocks) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": reference,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "blocks": [section(f"Case *{reference}*"), *blocks],
    }


def follow_up_blocks(plan: str | None) -> list[dict]:
    """One required choice, follow up on a date or not at all; choosing a date (the choice
    dispatches at once, and the form is redrawn) adds the date field, which is then required."""
    choose = _select("follow_up_plan", "Follow-up", FOLLOW_UP_PLANS, radio=True)
    choose["dispatch_action"] = True
    blocks = [choose]
    if plan == FOLLOW_UP_ON_A_DATE:
        choose["element"]["initial_option"] = options(FOLLOW_UP_PLANS)[0]
        blocks.append(
            state.input_block(
                "follow_up_due",
                "Follow-up date",
                {"type": "datepicker"},
                hint="When to check that what was agreed has happened.",
            )
        )
    elif plan == NO_FOLLOW_UP:
        choose["element"]["initial_option"] = options(FOLLOW_UP_PLANS)[1]
    return blocks


def resolve_modal(
    reference: str,
    *,
    payment_case: bool,
    authority: str = "",
    category: str = "",
    follow_up: str | None = None,
) -> dict:
    """The resolve form; ``follow_up`` is the follow-up choice already made (redrawn with the
    date field when it is a date)."""
    blocks = [
        _select("outcome", "Outcome", catalog.OUTCOMES),
        _text("agreed_actions", "What was agreed with the authority"),
    ]
    if payment_case:
        blocks.append(
            _text(
                "money_released",
                "Money released (£)",
                optional=True,
                multiline=False,
                hint="For example 1250.00; leave empty if none was released.",
            )
        )
    blocks += [
        _text(
            "public_summary",
            "Summary for publication",
            hint="Fit to publish: no names, and not the supplier's words unless ticked below.",
        ),
        _checkbox(
            "summary_uses_supplier_words",
            "Supplier's words",
            "The summary may quote the supplier",
        ),
        # Not ticked by default: nothing is published until an investigator says so.
        _checkbox("publishable", "Publication", "Publish this anonymised summary"),
        {**context(escape(annual.what_is_published(authority, category))), "block_id": PUBLISHED},
        *follow_up_blocks(follow_up),
    ]
    return _modal(RESOLVE, "Resolve case", "Resolve", reference, blocks)


def out_of_scope_modal(reference: str) -> dict:
    blocks = [_text("reason", "Why is this out of scope?")]
    return _modal(OUT_OF_SCOPE, "Out of scope", "Confirm", reference, blocks)


def follow_up_modal(reference: str) -> dict:
    blocks = [
        _select(
            "follow_up_result", "Was the agreed change carried out?", FOLLOW_UP_CHOICES, radio=True
        ),
        _text(
            "follow_up_note", "Note", hint="What you checked, and what you found.", limit=MAX_REASON
        ),
    ]
    return _modal(FOLLOW_UP, "Follow-up", "Record and close", reference, blocks)


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def read_resolve(view: dict, today: date) -> dict:
    """The details for the core's "resolve", or FormErrors naming each field to fix."""
    values = state.values(view)
    errors: dict[str, str] = {}
    outcome = state.choice(values, "outcome")
    if outcome not in dict(catalog.OUTCOMES):
        errors["outcome"] = "Please choose an outcome."
    agreed = clean(state.text(values, "agreed_actions"), multiline=True)
    if not agreed:
        errors["agreed_actions"] = "Please say what was agreed (or that nothing was)."
    summary = clean(state.text(values, "public_summary"), multiline=True)
    if not summary:
        errors["public_summary"] = "Please write a summary fit for publication."
    money = None
    raw_money = clean(state.text(values, "money_released"))
    if raw_money:
        try:
            money = parse_amount_pence(raw_money)
        except ValueError as exc:
            errors["money_released"] = str(exc)
    follow_up = _follow_up_date(view, values, today, errors)
    if errors:
        raise FormErrors(errors)
    return {
        "outcome": outcome,
        "agreed_actions": agreed,
        "money_released_pence": money,
        "public_summary": summary,
        "summary_uses_supplier_words": "yes"
        in state.choices(values, "summary_uses_supplier_words"),
        "publishable": "yes" in state.choices(values, "publishable"),
        "follow_up_due": follow_up,
    }


def _follow_up_date(view: dict, values: dict, today: date, errors: dict) -> date | None:
    """The follow-up date, None for "no follow-up"; a missing choice or date is an error next
    to its field (the choice's own field if the form was not redrawn with the date field)."""
    plan = state.choice(values, "follow_up_plan")
    if plan not in dict(FOLLOW_UP_PLANS):
        errors["follow_up_plan"] = "Choose whether to follow up, and when."
        return None
    if plan == NO_FOLLOW_UP:
        return None
    when = state.day(values, "follow_up_due")
    shown = {b.get("block_id") for b in (view or {}).get("blocks") or () if isinstance(b, dict)}
    # Next to the date field when the form has one (it was redrawn for the choice), else next
    # to the choice itself.
    field = "follow_up_due" if "follow_up_due" in shown | set(values) else "follow_up_plan"
    if when is None:
        errors[field] = "Give the date of the follow-up."
    elif when <= today:
        errors[field] = "The follow-up date must be in the future."
    return when


def read_out_of_scope(view: dict) -> dict:
    reason = clean(state.text(state.values(view), "reason"), multiline=True)
    if not reason:
        raise FormErrors({"reason": "Please give the reason; the supplier will be told it."})
    return {"reason": reason}


def read_follow_up(view: dict) -> dict:
    values = state.values(view)
    errors = {}
    result = state.choice(values, "follow_up_result")
    if result not in dict(FOLLOW_UP_CHOICES):
        errors["follow_up_result"] = "Please choose yes, partly or no."
    note = clean(state.text(values, "follow_up_note"), multiline=True)
    if not note:
        errors["follow_up_note"] = "Please note what you found."
    if errors:
        raise FormErrors(errors)
    return {"follow_up_result": result, "follow_up_note": note}
