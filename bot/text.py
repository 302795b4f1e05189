"""Normalising free text before it is stored (front-end neutral)."""

import re

# C0 control characters except tab and newline: PostgreSQL refuses NUL in text, and the rest
# are never meant by a person typing into a form.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Half of a surrogate pair (half an emoji): valid in JSON and Python strings, but not UTF-8, so
# PostgreSQL refuses the row. Shown as the replacement character, as a browser would.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(value: str | None, *, multiline: bool = False) -> str:
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = _LONE_SURROGATE.sub("\ufffd", text)
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with its noun in the right number: "1 offer", "2 offers", "0 offers"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
