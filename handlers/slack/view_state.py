"""A modal's inputs for every form: drawing an input block, and reading a submitted modal's
`view.state.values` back.

Each input's block_id names the field and its action_id is ACTION. Readers are tolerant: a
missing or malformed value reads as empty, and the core's validation then reports it next to
its field, rather than the request crashing.
"""

from __future__ import annotations

from datetime import date

from handlers.slack.slack_text import plain

ACTION = "value"


def input_block(field: str, label: str, element: dict, *, optional=False, hint=None) -> dict:
    """An input block around ``element``, found again by ``field`` in the readers below."""
    element = {"action_id": ACTION, **element}
    block = {"type": "input", "block_id": field, "label": plain(label, 2000), "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def text_input(
    field: str, label: str, limit: int, *, multiline=False, optional=False, hint=None
) -> dict:
    """A plain-text input that ``text(state, field)`` reads back."""
    element = {"type": "plain_text_input", "max_length": limit}
    if multiline:
        element["multiline"] = True
    return input_block(field, label, element, optional=optional, hint=hint)


def values(view: dict) -> dict:
    found = ((view or {}).get("state") or {}).get("values") or {}
    return found if isinstance(found, dict) else {}


def element(state: dict, field: str) -> dict:
    block = state.get(field)
    found = block.get(ACTION) if isinstance(block, dict) else None
    return found if isinstance(found, dict) else {}


def text(state: dict, field: str) -> str:
    value = element(state, field).get("value")
    return value if isinstance(value, str) else ""


def choice(state: dict, field: str) -> str | None:
    selected = element(state, field).get("selected_option")
    if isinstance(selected, dict) and isinstance(selected.get("value"), str):
        return selected["value"]
    return None


def choices(state: dict, field: str) -> tuple[str, ...]:
    selected = element(state, field).get("selected_options")
    if not isinstance(selected, list):
        return ()
    return tuple(
        o["value"] for o in selected if isinstance(o, dict) and isinstance(o.get("value"), str)
    )


def day(state: dict, field: str) -> date | None:
    raw = element(state, field).get("selected_date")
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
