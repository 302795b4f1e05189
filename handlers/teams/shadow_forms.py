"""The work-shadowing sign-up and host forms in Teams, and reading their answers back into the
core's forms (bot.shadowing.signup.SignupForm, bot.shadowing.hosts.HostForm).

Each form is a card sent in answer to "shadow signup" / "shadow host" in the 1:1 chat: the
card holds the inputs, and its button (Action.Execute) sends them with a submission token, so
a retried or doubled submission stores one sign-up (the token is the core's submission key;
Teams has no view id). A refused answer comes back as the same card, the answers kept and each
reason under its field. Every input's id is the name of the core form field it fills, so the
core's ValidationFailed errors land under the right input unchanged.

The line manager is chosen from the people msbot knows in Teams; in Teams itself the same list
also searches the organisation's directory (a people picker), whose answer is the person's
Microsoft Entra object id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.shadowing import catalog
from bot.shadowing.hosts import HostForm
from bot.shadowing.signup import SignupForm
from handlers.teams.card_forms import FormField, form_inputs
from handlers.teams.cards import (
    TOKEN_KEY,
    adaptive_card,
    execute_action,
    heading,
    shorten_texts,
    text_block,
)
from handlers.teams.shadow_cards import HOST, SIGNUP

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A Microsoft Entra object id, as a people picker answers: only such a value may name someone
# msbot has never seen (anything else must be a known person's account).
_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MANAGER_FIELD = "manager_id"
# The directory search Teams runs for a people picker.
PEOPLE_DATASET = "graph.microsoft.com/users"
Answers = Mapping[str, object] | None


def _departments(departments) -> tuple[tuple[str, str], ...]:
    return tuple((d, d) for d in departments)


def signup_fields(departments, colleagues) -> tuple[FormField, ...]:
    """``colleagues``: (Teams user id, name) of the people to offer as the line manager."""
    return (
        FormField(
            "department", "Your department", "choice", True, choices=_departments(departments)
        ),
        FormField("grade", "Grade", "choice", True, choices=catalog.GRADES),
        FormField(
            "role",
            "Your role",
            required=True,
            max_length=catalog.MAX_NAME,
            placeholder="For example: policy adviser, commercial lead",
        ),
        FormField("region", "Where you are based", "choice", True, choices=catalog.REGIONS),
        FormField("mode", "How you could take part", "choice", True, choices=catalog.MODES),
        FormField(
            "interests",
            "Areas you are interested in",
            "choice",
            True,
            choices=catalog.INTEREST_AREAS,
            multi=True,
        ),
        FormField(
            "learning_goals",
            "What you want to learn",
            "multiline",
            True,
            max_length=catalog.MAX_TEXT,
        ),
        FormField("available_from", "Available from", "date", True),
        FormField("available_to", "Available until", "date", True),
        FormField("length", "Length of placement", "choice", True, choices=catalog.LENGTHS),
        FormField(
            MANAGER_FIELD,
            "Your line manager (they will be asked to approve)",
            "choice",
            True,
            choices=tuple(colleagues),
        ),
        FormField(
            "conflict_organisations",
            "Organisations you may have a conflict of interest with, one per line: ones you "
            "fund, regulate, decided on, or are close to. Only the coordinators see this.",
            "multiline",
            max_length=catalog.MAX_TEXT,
        ),
    )


def host_fields(departments) -> tuple[FormField, ...]:
    return (
        FormField("organisation", "Organisation", required=True, max_length=catalog.MAX_NAME),
        FormField("contact_name", "Contact name", required=True, max_length=catalog.MAX_NAME),
        FormField("contact_email", "Contact email", max_length=catalog.MAX_NAME),
        FormField(
            "areas", "Areas you work in", "choice", True, choices=catalog.INTEREST_AREAS, multi=True
        ),
        FormField("region", "Region", "choice", True, choices=catalog.REGIONS),
        FormField("mode", "How a visitor could take part", "choice", True, choices=catalog.MODES),
        FormField(
            "capacity",
            f"Places you can offer (a whole number from 1 to {catalog.MAX_CAPACITY})",
            required=True,
            max_length=3,
        ),
        FormField("available_from", "Available from", "date", True),
        FormField("available_to", "Available until", "date", True),
        FormField(
            "activities", "What a visitor would do", "multiline", True, max_length=catalog.MAX_TEXT
        ),
        FormField(
            "conflict_departments",
            "Departments you bid for work from or lobby",
            "choice",
            choices=_departments(departments),
            multi=True,
        ),
    )


def _with_people_picker(card: dict) -> dict:
    for element in card["body"]:
        if element.get("id") == MANAGER_FIELD:
            element["style"] = "filtered"
            element["choices.data"] = {"type": "Data.Query", "dataset": PEOPLE_DATASET}
    return card


@dataclass(frozen=True)
class CardForm:
    """What a form card says around its inputs, and its button."""

    title: str
    intro: str
    verb: str
    submit: str


SIGNUP_FORM = CardForm(
    "Work-shadowing sign-up",
    "Spend time with a voluntary-sector organisation to see how it works. Your line manager "
    "will be asked to approve before you join the queue.",
    SIGNUP,
    "Sign up",
)
HOST_FORM = CardForm(
    "Offer shadowing places",
    "Offer places to civil servants who want to see how your organisation works. "
    "Coordinators match people to places in rounds; you accept or decline each offer.",
    HOST,
    "Offer places",
)


def form_card(
    form: CardForm, fields, token: str, values: Answers = None, errors: Answers = None
) -> dict:
    """A card that is a form: its inputs (answers kept, reasons under their fields) and one
    button carrying the submission token."""
    card = adaptive_card(
        [
            heading(form.title),
            text_block(form.intro),
            *form_inputs(fields, values=values, errors=errors),
        ],
        [execute_action(form.submit, form.verb, {TOKEN_KEY: token}, style="positive")],
    )
    shorten_texts(card, inputs=True)
    return card


def signup_card(
    departments, colleagues, token: str, values: Answers = None, errors: Answers = None
) -> dict:
    fields = signup_fields(departments, colleagues)
    return _with_people_picker(form_card(SIGNUP_FORM, fields, token, values, errors))


def host_card(departments, token: str, values: Answers = None, errors: Answers = None) -> dict:
    return form_card(HOST_FORM, host_fields(departments), token, values, errors)


def done_card(title: str, text: str) -> dict:
    return adaptive_card([heading(title), text_block(text)])


# --- reading ------------------------------------------------------------------------------


def text(values: Mapping, key: str) -> str:
    found = values.get(key)
    return found if isinstance(found, str) else ""


def choice(values: Mapping, key: str) -> str | None:
    return text(values, key).strip() or None


def choices(values: Mapping, key: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text(values, key).split(",") if v.strip())


def day_of(values: Mapping, key: str) -> date | None:
    raw = text(values, key).strip()
    if not _ISO_DATE.match(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def whole_number(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 6 else None


def _read(values: Mapping, fields, *, skip: tuple[str, ...] = ()) -> dict:
    """Each field's answer as its kind reads: text as typed, a choice or None, a tuple of
    choices, a date or None. Anything unreadable becomes empty, and the core then names the
    field (a forged submission may send anything)."""
    found = {}
    for spec in fields:
        if spec.id in skip:
            continue
        if spec.kind == "date":
            found[spec.id] = day_of(values, spec.id)
        elif spec.kind == "choice":
            found[spec.id] = choices(values, spec.id) if spec.multi else choice(values, spec.id)
        else:
            found[spec.id] = text(values, spec.id)
    return found


def read_signup(values: Mapping, manager_id: int | None) -> SignupForm:
    answers = _read(values, signup_fields((), ()), skip=(MANAGER_FIELD,))
    return SignupForm(**answers, manager_id=manager_id)


def read_host(values: Mapping) -> HostForm:
    answers = _read(values, host_fields(()), skip=("capacity",))
    return HostForm(**answers, capacity=whole_number(text(values, "capacity")))


def is_object_id(value: str) -> bool:
    return bool(_OBJECT_ID.match(value))
