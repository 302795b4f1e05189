"""Work-shadowing modals: building them, and reading submissions back into the core's forms.

Every input's block_id is the name of the core form field it fills, so the core's
``ValidationFailed.errors`` can be shown next to the right input unchanged.
"""

from __future__ import annotations

import json
import re
from datetime import date

from bot.shadowing import catalog
from bot.shadowing.hosts import HostForm
from bot.shadowing.notices import MessageRef
from bot.shadowing.signup import SignupForm
from bot.shadowing.wording import WORTHWHILE, YES_NO
from handlers.slack import view_state as state
from handlers.slack.commands import record_id
from handlers.slack.slack_text import mention, options, plain, section

SIGNUP_CALLBACK = "shadow_signup"
HOST_CALLBACK = "shadow_host"
FEEDBACK_CALLBACK = "shadow_feedback"
SCHEDULE_CALLBACK = "shadow_schedule"

# A static select holds at most 100 options.
MAX_OPTIONS = 100

SIGNUP_FIELDS = (
    "department",
    "grade",
    "role",
    "region",
    "mode",
    "interests",
    "learning_goals",
    "available_from",
    "available_to",
    "length",
    "manager_id",
    "conflict_organisations",
)
HOST_FIELDS = (
    "organisation",
    "contact_name",
    "contact_email",
    "areas",
    "region",
    "mode",
    "capacity",
    "available_from",
    "available_to",
    "activities",
    "conflict_departments",
)
FEEDBACK_FIELDS = ("worthwhile", "learned", "would_recommend")
SCHEDULE_FIELDS = ("start_date", "end_date")


# --- building -------------------------------------------------------------------------------


# Inputs are drawn by view_state, which reads them back the same way in every form.
_input, _text = state.input_block, state.text_input


def _select(field: str, label: str, choices, placeholder: str, *, multi=False, optional=False):
    element = {
        "type": "multi_static_select" if multi else "static_select",
        "placeholder": plain(placeholder, 150),
        "options": options(tuple(choices)[:MAX_OPTIONS]),
    }
    return _input(field, label, element, optional=optional)


def _radio(field: str, label: str, choices) -> dict:
    return _input(field, label, {"type": "radio_buttons", "options": options(tuple(choices))})


def _date(field: str, label: str) -> dict:
    return _input(field, label, {"type": "datepicker"})


def _departments(departments) -> tuple[tuple[str, str], ...]:
    # The department's name is both what is shown and what is stored.
    return tuple((d, d) for d in departments)


def _modal(callback_id: str, title: str, blocks: list[dict], *, metadata: str = "") -> dict:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain("Submit", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }
    if metadata:
        view["private_metadata"] = metadata
    return view


# For modals built beside their listeners (e.g. conflicts.py).
input_block, text_block, modal = _input, _text, _modal


def signup_modal(departments) -> dict:
    blocks = [
        section(
            "Spend time with a voluntary-sector organisation to see how it works. "
            "Your line manager will be asked to approve before you join the queue."
        ),
        _select("department", "Your department", _departments(departments), "Choose one"),
        _select("grade", "Grade", catalog.GRADES, "Choose your grade"),
        _text(
            "role",
            "Your role",
            catalog.MAX_NAME,
            hint="For example: policy adviser, commercial lead",
        ),
        _select("region", "Where you are based", catalog.REGIONS, "Choose a region"),
        _radio("mode", "How you could take part", catalog.MODES),
        _select(
            "interests", "Areas you are interested in", catalog.INTEREST_AREAS, "Choose", multi=True
        ),
        _text("learning_goals", "What you want to learn", catalog.MAX_TEXT, multiline=True),
        _date("available_from", "Available from"),
        _date("available_to", "Available until"),
        _select("length", "Length of placement", catalog.LENGTHS, "Choose a length"),
        _input(
            "manager_id",
            "Your line manager",
            {"type": "users_select", "placeholder": plain("Choose a person", 150)},
            hint="They will get a message asking them to approve.",
        ),
        _text(
            "conflict_organisations",
            "Organisations you may have a conflict of interest with",
            catalog.MAX_TEXT,
            multiline=True,
            optional=True,
            hint="One per line: organisations you fund, regulate, decided on, or are close to. "
            "Only the coordinators see this; you will not be matched with them.",
        ),
    ]
    return _modal(SIGNUP_CALLBACK, "Work-shadowing sign-up", blocks)


def host_modal(departments) -> dict:
    capacity = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": str(catalog.MAX_CAPACITY),
    }
    blocks = [
        section(
            "Offer places to civil servants who want to see how your organisation works. "
            "Coordinators match people to places in rounds; you accept or decline each offer."
        ),
        _text("organisation", "Organisation", catalog.MAX_NAME),
        _text("contact_name", "Contact name", catalog.MAX_NAME),
        _input("contact_email", "Contact email", {"type": "email_text_input"}, optional=True),
        _select("areas", "Areas you work in", catalog.INTEREST_AREAS, "Choose", multi=True),
        _select("region", "Region", catalog.REGIONS, "Choose a region"),
        _radio("mode", "How a visitor could take part", catalog.MODES),
        _input(
            "capacity",
            "Places you can offer",
            capacity,
            hint=f"A whole number from 1 to {catalog.MAX_CAPACITY}.",
        ),
        _date("available_from", "Available from"),
        _date("available_to", "Available until"),
        _text("activities", "What a visitor would do", catalog.MAX_TEXT, multiline=True),
        _select(
            "conflict_departments",
            "Departments you bid for work from or lobby",
            _departments(departments),
            "Choose any that apply",
            multi=True,
            optional=True,
        ),
    ]
    return _modal(HOST_CALLBACK, "Offer shadowing places", blocks)


def _placement_metadata(placement_id: int, origin: MessageRef | None) -> str:
    """Which placement the form is about and, when a DM button opened it, that message (so
    the saved form can take the button away)."""
    if origin is None:
        return str(placement_id)
    return json.dumps(
        {"placement": placement_id, "channel": origin.conversation_id, "ts": origin.message_id}
    )


def feedback_modal(placement_id: int, origin: MessageRef | None = None) -> dict:
    blocks = [
        section("Thank you for taking part. Your answers help us improve the scheme."),
        _radio("worthwhile", "Was it worthwhile?", WORTHWHILE),
        _text(
            "learned",
            "What did you learn about the other sector?",
            catalog.MAX_TEXT,
            multiline=True,
        ),
        _radio("would_recommend", "Would you recommend it to a colleague?", YES_NO),
    ]
    metadata = _placement_metadata(placement_id, origin)
    return _modal(FEEDBACK_CALLBACK, "Placement feedback", blocks, metadata=metadata)


def schedule_modal(placement_id: int, origin: MessageRef | None = None) -> dict:
    blocks = [
        section("Agree the dates with the other side first, then record them here."),
        _date("start_date", "First day"),
        _date("end_date", "Last day"),
    ]
    metadata = _placement_metadata(placement_id, origin)
    return _modal(SCHEDULE_CALLBACK, "Placement dates", blocks, metadata=metadata)


def done_view(title: str, text: str) -> dict:
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("Done", 24),
        "blocks": [section(text)],
    }


def signup_done(manager_id: str) -> dict:
    return done_view(
        "Sign-up received",
        f"Thank you. We have asked {mention(manager_id)} to approve your sign-up; you will "
        "get a message when they have. Check progress any time with `/shadow status`.",
    )


def host_done(host_id: int, organisation_text: str, capacity: int) -> dict:
    places = "place" if capacity == 1 else "places"
    return done_view(
        "Places offered",
        f"Thank you. *{organisation_text}* is offering {capacity} {places} "
        f"(host number {host_id}). We will message you when a round finds you a match. "
        f"Change the number with `/shadow places {host_id} &lt;number&gt;`.",
    )


# --- reading --------------------------------------------------------------------------------


def _whole_number(raw: str) -> int | None:
    try:
        return int(raw.strip())
    except ValueError:
        return None


def read_signup(view: dict) -> SignupForm:
    """Tolerant of missing or odd values: anything unreadable becomes empty and the core then
    reports it next to its field, rather than the request crashing."""
    values = state.values(view)
    user = state.element(values, "manager_id").get("selected_user")
    return SignupForm(
        department=state.choice(values, "department") or "",
        grade=state.choice(values, "grade") or "",
        role=state.text(values, "role"),
        region=state.choice(values, "region") or "",
        mode=state.choice(values, "mode") or "",
        interests=state.choices(values, "interests"),
        learning_goals=state.text(values, "learning_goals"),
        available_from=state.day(values, "available_from"),
        available_to=state.day(values, "available_to"),
        length=state.choice(values, "length") or "",
        manager_id=user if isinstance(user, str) else "",
        conflict_organisations=state.text(values, "conflict_organisations"),
    )


def read_host(view: dict) -> HostForm:
    values = state.values(view)
    return HostForm(
        organisation=state.text(values, "organisation"),
        contact_name=state.text(values, "contact_name"),
        contact_email=state.text(values, "contact_email"),
        areas=state.choices(values, "areas"),
        region=state.choice(values, "region") or "",
        mode=state.choice(values, "mode") or "",
        capacity=_whole_number(state.text(values, "capacity")),
        available_from=state.day(values, "available_from"),
        available_to=state.day(values, "available_to"),
        activities=state.text(values, "activities"),
        conflict_departments=state.choices(values, "conflict_departments"),
    )


def read_feedback(view: dict) -> tuple[int | None, str, bool | None]:
    """(worthwhile 1-5, what was learned, would recommend); None where nothing was chosen."""
    values = state.values(view)
    score = state.choice(values, "worthwhile")
    recommend = state.choice(values, "would_recommend")
    return (
        int(score) if score in {v for v, _ in WORTHWHILE} else None,
        state.text(values, "learned"),
        {"yes": True, "no": False}.get(recommend or ""),
    )


def read_schedule(view: dict) -> tuple[date | None, date | None]:
    values = state.values(view)
    return state.day(values, "start_date"), state.day(values, "end_date")


def _metadata(view: dict) -> dict:
    raw = str((view or {}).get("private_metadata") or "")
    if raw.startswith("{"):
        try:
            found = json.loads(raw)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}
    return {"placement": raw}


def placement_id(view: dict) -> int | None:
    """The placement a feedback or schedule modal is about, from its private_metadata."""
    return record_id(str(_metadata(view).get("placement") or ""))


# What Slack's channel ids and message timestamps look like; anything else is not ours.
_CHANNEL = re.compile(r"^[CDG][A-Z0-9]{2,20}$")
_TS = re.compile(r"^[0-9]{1,12}\.[0-9]{1,8}$")


def message_ref(channel: object, ts: object) -> MessageRef | None:
    """A message's channel and ts, if both look like Slack's; None otherwise."""
    if not (isinstance(channel, str) and isinstance(ts, str)):
        return None
    return MessageRef(channel, ts) if _CHANNEL.match(channel) and _TS.match(ts) else None


def origin(view: dict) -> MessageRef | None:
    """The DM message whose button opened this form, if it said so."""
    found = _metadata(view)
    return message_ref(found.get("channel"), found.get("ts"))


def errors_for(fields: tuple[str, ...], errors: dict[str, str]) -> dict[str, str]:
    """The core's errors as Slack wants them: keyed by a block_id that exists in the modal.

    Slack rejects the whole response if an error names a block the modal lacks, so anything
    not tied to one of this modal's inputs is shown on its first input instead.
    """
    shown: dict[str, str] = {}
    for field, message in errors.items():
        key = field if field in fields else fields[0]
        shown[key] = f"{shown[key]} {message}" if key in shown else str(message)
    return {k: v[:2000] for k, v in shown.items()}
