"""Text that people typed, made safe to show in a Teams Adaptive Card.

A TextBlock reads Markdown, Teams turns web addresses into links, and a card that mentions
someone does so by the literal text ``<at>Name</at>``. So a supplier's complaint that contains
``[click](https://…)``, ``# URGENT`` or ``<at>Head of Commercial</at>`` would, shown as typed,
become a link, a heading or a fake mention. ``safe_text`` shows the same words with none of that:

- control characters (and invisible direction overrides that reorder what a reader sees) go;
- Markdown's active characters (and ``&``, which starts an entity) are escaped with a
  backslash, and leading spaces become no-break spaces (no code blocks), so they show as typed;
- every ``<`` is followed by an invisible word joiner, so no ``<at>`` or ``<https:…>`` forms;
- every ``//`` gets a word joiner between the slashes, and a dot between two letters, digits,
  symbols or emoji becomes a one-dot leader (U+2024, which looks the same), so no web address,
  e-mail address or bare domain is recognised. A reader can still read and retype the address;
  nobody can click it.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
WORD_JOINER = "\u2060"
ONE_DOT_LEADER = "\u2024"
ZERO_WIDTH_JOINER = "\u200d"  # kept: emoji sequences (families, flags of nations) need it

# Field limits, in characters of the text as typed. Teams has no published per-field limit
# beyond the message size; these keep one field from crowding out the rest of a card.
TEXT_LIMIT = 3000
FACT_TITLE_LIMIT = 100
FACT_VALUE_LIMIT = 1000
BUTTON_TITLE_LIMIT = 40
LABEL_LIMIT = 200
ERROR_LIMIT = 300

# "&" too: an entity such as "&lt;" would otherwise show as the character it names.
_ALWAYS_ESCAPED = re.compile(r"([\\`*_~\[\]#|&])")
# At the start of a line (after spaces): lists, quotes, setext heading underlines, numbered lists.
_LINE_START = re.compile(r"^([ \t\u00a0]*)([-+>=])", re.MULTILINE)
_NUMBERED = re.compile(r"^([ \t\u00a0]*\d+)([.)])(?=[ \t]|$)", re.MULTILINE)
_INDENT = re.compile(r"^ +", re.MULTILINE)
_MAILTO = re.compile(r"(mailto)(:)", re.IGNORECASE)


def is_pseudo_letter(char: str) -> bool:
    """What link detectors may accept inside a host name: anything but spaces, punctuation and
    control or format characters (so letters, digits, marks, symbols, emoji, and code points
    not yet assigned or private: a detector with newer Unicode tables may call them letters)."""
    category = unicodedata.category(char)
    return category[0] not in "ZP" and category not in ("Cc", "Cf")


def _defuse_dots(text: str) -> str:
    chars = list(text)
    for i in range(1, len(chars) - 1):
        if chars[i] == "." and is_pseudo_letter(chars[i - 1]) and is_pseudo_letter(chars[i + 1]):
            chars[i] = ONE_DOT_LEADER
    return "".join(chars)


def _keep(char: str) -> bool:
    if char in "\n":
        return True
    category = unicodedata.category(char)
    if category == "Cf":
        return char == ZERO_WIDTH_JOINER
    return category not in ("Cc", "Zl", "Zp")


def clean(text: object) -> str:
    """The text without control or invisible formatting characters; lone surrogates (which
    cannot be encoded to send) become U+FFFD; tabs become spaces, line breaks ``\\n``."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n")
    value = "".join(
        "\ufffd" if "\ud800" <= char <= "\udfff" else char for char in value if _keep(char)
    )
    return value


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters; a shortened text ends with an ellipsis."""
    if limit < 1:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def plain_text(text: object, limit: int) -> str:
    """For places Teams shows without Markdown (input values, labels, button titles)."""
    return truncate(clean(text), limit)


def escape_markdown(text: str) -> str:
    # Leading spaces become no-break spaces: four ordinary ones would start a code block, in
    # which escapes show as backslashes.
    text = _INDENT.sub(lambda indent: "\u00a0" * len(indent.group()), text)
    text = _ALWAYS_ESCAPED.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    return _NUMBERED.sub(r"\1\\\2", text)


def defuse_links_and_mentions(text: str) -> str:
    text = text.replace("<", "<" + WORD_JOINER)
    text = text.replace("//", "/" + WORD_JOINER + "/")
    # A second pass catches the middle pair of "///", which the first pass consumed.
    text = text.replace("//", "/" + WORD_JOINER + "/")
    text = _MAILTO.sub(r"\1" + WORD_JOINER + r"\2", text)
    return _defuse_dots(text)


def safe_text(text: object, limit: int = TEXT_LIMIT) -> str:
    """Someone's text for a TextBlock or a fact: shown as typed, never a link, mention or
    heading, at most ``limit`` characters as typed (escaping then adds a few invisible ones)."""
    # Defused first, on the text as typed: escaping adds backslashes a renderer then removes,
    # so a dot must be judged by its neighbours as they will be shown.
    return escape_markdown(defuse_links_and_mentions(truncate(clean(text), limit)))


def shorten_rendered(text: str, limit: int) -> str:
    """Shorten text already made safe (for the card-size guard). Cutting only the end keeps
    every escape before it intact; a backslash left last would only escape the ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    trailing = len(head) - len(head.rstrip("\\"))
    if trailing % 2:
        head = head[:-1]
    return head + ELLIPSIS
