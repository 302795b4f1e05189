"""Normalising free text before it is stored (front-end neutral)."""

import re

# C0 control characters except tab and newline: PostgreSQL refuses NUL in text, and the rest
# are never meant by a person typing into a form.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(value: str | None, *, multiline: bool = False) -> str:
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
