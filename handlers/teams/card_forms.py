"""Input forms for Teams dialogs (the Teams form of a Slack modal), with per-field errors.

A dialog's card is rebuilt on every submission: when the server refuses an answer, the same form
comes back with everything the person typed still filled in and the reason shown under the field
it concerns, as Slack shows ``response_action: errors``. The submit button carries the verb and
a submission token, so a repeated submission is recognised and stored once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from handlers.teams.card_text import ERROR_LIMIT, LABEL_LIMIT, plain_text
from handlers.teams.cards import (
    TOKEN_KEY,
    adaptive_card,
    attachment,
    shorten_texts,
    submit_action,
    text_block,
)

Kind = Literal["text", "multiline", "choice", "date", "toggle"]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_MAX_LENGTH = 3000
ERROR_SUFFIX = "__error"


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    kind: Kind = "text"
    required: bool = False
    max_length: int = DEFAULT_MAX_LENGTH
    # (value, title) pairs for a choice.
    choices: tuple[tuple[str, str], ...] = field(default=())
    placeholder: str | None = None
    # Shown by Teams itself when a required field is left empty, before anything is sent.
    required_message: str = "Please fill this in."
    # A choice of several: Teams sends the values joined with commas.
    multi: bool = False


def _input(spec: FormField, value: object) -> dict:
    element: dict = {
        "id": spec.id,
        "label": plain_text(spec.label, LABEL_LIMIT),
        "isRequired": spec.required,
    }
    if spec.required:
        element["errorMessage"] = plain_text(spec.required_message, ERROR_LIMIT)
    kept = plain_text(value, spec.max_length) if value is not None else None
    if spec.kind in ("text", "multiline"):
        element.update(type="Input.Text", maxLength=spec.max_length)
        if spec.kind == "multiline":
            element["isMultiline"] = True
        if spec.placeholder:
            element["placeholder"] = plain_text(spec.placeholder, LABEL_LIMIT)
        if kept:
            element["value"] = kept
    elif spec.kind == "choice":
        element.update(
            type="Input.ChoiceSet",
            style="compact",
            choices=[
                {"title": plain_text(title, LABEL_LIMIT), "value": plain_text(val, 200)}
                for val, title in spec.choices
            ],
        )
        allowed = {val for val, _ in spec.choices}
        chosen = [v for v in (kept or "").split(",") if v in allowed] if spec.multi else []
        if spec.multi:
            element["isMultiSelect"] = True
            if chosen:
                element["value"] = ",".join(chosen)
        elif kept in allowed:
            element["value"] = kept
    elif spec.kind == "date":
        element["type"] = "Input.Date"
        if kept and _ISO_DATE.match(kept):
            element["value"] = kept
    elif spec.kind == "toggle":
        element.update(
            type="Input.Toggle",
            title=plain_text(spec.label, LABEL_LIMIT),
            valueOn="true",
            valueOff="false",
            value="true" if kept == "true" else "false",
        )
    else:
        raise ValueError(f"unknown field kind {spec.kind!r}")
    return element


def error_block(field_id: str, message: object) -> dict:
    """The red line under a field; its id lets a test (or a screen reader) find it."""
    block = text_block(message, limit=ERROR_LIMIT, color="Attention", spacing="None")
    block["id"] = field_id + ERROR_SUFFIX
    return block


def dialog_form(
    fields: Iterable[FormField],
    *,
    verb: str,
    submission_token: str,
    submit_title: str = "Submit",
    intro: object | None = None,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, object] | None = None,
    data: Mapping[str, str] | None = None,
) -> dict:
    """The form as an Adaptive Card for a dialog. ``values`` are the answers to keep (from the
    refused submission); ``errors`` map a field id to the reason it was refused (an error for a
    field the form does not have is shown at the top, so it is never lost)."""
    body = [text_block(intro)] if intro else []
    body.extend(form_inputs(fields, values=values, errors=errors))
    action = submit_action(submit_title, verb, {**(data or {}), TOKEN_KEY: submission_token})
    card = adaptive_card(body, [action])
    # No field is ever dropped: the longest texts (an answer pasted at great length included)
    # are shortened instead, which only happens far beyond the fields' own maximum lengths.
    shorten_texts(card, inputs=True)
    return card


def form_inputs(
    fields: Iterable[FormField],
    *,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, object] | None = None,
) -> list[dict]:
    """A form's inputs with the answers kept and each error under its field (an error for a
    field the form does not have at the top), for a dialog or a card that is itself the
    form."""
    fields = list(fields)
    values, errors = dict(values or {}), dict(errors or {})
    known = {spec.id for spec in fields}
    body: list[dict] = []
    if errors:
        count = len(errors)
        body.append(
            text_block(
                "Please correct the answer below."
                if count == 1
                else f"Please correct the {count} answers below.",
                color="Attention",
                weight="Bolder",
            )
        )
    for field_id, message in errors.items():
        if field_id not in known:
            body.append(error_block(str(field_id), message))
    for spec in fields:
        body.append(_input(spec, values.get(spec.id)))
        if spec.id in errors:
            body.append(error_block(spec.id, errors[spec.id]))
    return body


def continue_dialog(card: dict, title: object, *, width: str = "medium", height: str = "large"):
    """The invoke answer that opens the dialog, or shows it again with the errors (to a task
    fetch or submit, and to a message extension's fetchTask or submitAction alike)."""
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": plain_text(title, 64),
                "width": width,
                "height": height,
                "card": attachment(card),
            },
        }
    }


def dialog_message(text: object) -> dict:
    """The invoke answer that closes a dialog with a short plain message (e.g. the receipt)."""
    return {"task": {"type": "message", "value": plain_text(text, 500)}}


def input_element(spec: FormField, value: object = None) -> dict:
    """One field's input, for a form shown on a card rather than in a dialog (the triage
    card's forms); ``value``: the answer to keep."""
    return _input(spec, value)
