"""Slack's rules the fake enforces, answered with the errors Slack gives.

Limits from https://docs.slack.dev/reference/block-kit: a message may hold 50 blocks, a modal or
App Home 100; Slack answers a message that breaks one with ``invalid_blocks`` and a view with
``invalid_arguments``, each with a json-pointer to the offending field.
"""

from __future__ import annotations

# Every Web API method msbot (or a feature being built for it) calls. Anything else is answered
# ``unknown_method``, as Slack answers a typo.
KNOWN_METHODS = frozenset(
    {
        "api.test",
        "auth.test",
        "apps.connections.open",
        "bots.info",
        "chat.delete",
        "chat.getPermalink",
        "chat.postEphemeral",
        "chat.postMessage",
        "chat.scheduleMessage",
        "chat.update",
        "conversations.history",
        "conversations.info",
        "conversations.members",
        "conversations.open",
        "conversations.replies",
        "files.completeUploadExternal",
        "files.getUploadURLExternal",
        "files.info",
        "pins.add",
        "reactions.add",
        "reactions.remove",
        "team.info",
        "usergroups.list",
        "usergroups.users.list",
        "users.info",
        "users.list",
        "users.lookupByEmail",
        "views.open",
        "views.publish",
        "views.push",
        "views.update",
    }
)

# A trigger_id may open a modal for 3 seconds after the interaction that issued it.
TRIGGER_TTL_SECONDS = 3.0
# Slack stops waiting for an ack after 3 seconds and shows the user an error.
ACK_DEADLINE_SECONDS = 3.0

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX = 40_000
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
ID_MAX = 255
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
VIEW_TITLE_MAX = 24
# A button's confirmation dialog.
CONFIRM_LIMITS = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
PRIVATE_METADATA_MAX = 3000

BLOCK_TYPES = frozenset(
    {
        "section",
        "divider",
        "header",
        "context",
        "actions",
        "input",
        "image",
        "rich_text",
        "file",
        "video",
        "markdown",
    }
)


def _text_of(obj) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


class _Checker:
    def __init__(self):
        self.problems: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.problems.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def max_len(self, value, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def text(self, obj, limit: int, pointer: str) -> None:
        if obj is not None:
            self.max_len(_text_of(obj), limit, pointer + "/text")

    def options(self, options, pointer: str) -> None:
        if not isinstance(options, list):
            return
        if len(options) > OPTIONS_MAX:
            self.fail(f"must provide no more than {OPTIONS_MAX} items", pointer)
        for i, opt in enumerate(options):
            self.text(opt.get("text"), OPTION_TEXT_MAX, f"{pointer}/{i}/text")
            self.max_len(opt.get("value"), OPTION_VALUE_MAX, f"{pointer}/{i}/value")

    def element(self, el, pointer: str) -> None:
        if not isinstance(el, dict):
            self.fail("must be an object", pointer)
            return
        self.max_len(el.get("action_id"), ID_MAX, pointer + "/action_id")
        if el.get("type") == "button":
            self.text(el.get("text"), BUTTON_TEXT_MAX, pointer + "/text")
            self.max_len(el.get("value"), BUTTON_VALUE_MAX, pointer + "/value")
        self.text(el.get("placeholder"), PLACEHOLDER_MAX, pointer + "/placeholder")
        confirm = el.get("confirm")
        if isinstance(confirm, dict):
            for key, limit in CONFIRM_LIMITS.items():
                self.text(confirm.get(key), limit, f"{pointer}/confirm/{key}")
        self.options(el.get("options"), pointer + "/options")
        for g, group in enumerate(el.get("option_groups") or []):
            self.options(group.get("options"), f"{pointer}/option_groups/{g}/options")

    def block(self, block, pointer: str) -> None:
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            self.fail("unsupported type", pointer + "/type")
            return
        self.max_len(block.get("block_id"), ID_MAX, pointer + "/block_id")
        kind = block["type"]
        if kind == "section":
            self.text(block.get("text"), SECTION_TEXT_MAX, pointer + "/text")
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS_MAX:
                self.fail(
                    f"must provide no more than {SECTION_FIELDS_MAX} items", pointer + "/fields"
                )
            for i, f in enumerate(fields):
                self.text(f, FIELD_TEXT_MAX, f"{pointer}/fields/{i}")
            if not block.get("text") and not fields:
                self.fail("must provide text or fields", pointer)
            if block.get("accessory"):
                self.element(block["accessory"], pointer + "/accessory")
        elif kind == "header":
            self.text(block.get("text"), HEADER_TEXT_MAX, pointer + "/text")
        elif kind == "context":
            elements = block.get("elements") or []
            if len(elements) > CONTEXT_ELEMENTS_MAX:
                self.fail(f"must provide no more than {CONTEXT_ELEMENTS_MAX} items", pointer)
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > ACTIONS_ELEMENTS_MAX:
                self.fail(f"must provide no more than {ACTIONS_ELEMENTS_MAX} items", pointer)
            for i, el in enumerate(elements):
                self.element(el, f"{pointer}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), LABEL_MAX, pointer + "/label")
            self.text(block.get("hint"), LABEL_MAX, pointer + "/hint")
            self.element(block.get("element"), pointer + "/element")

    def blocks(self, blocks, limit: int, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > limit:
            self.fail(f"must provide no more than {limit} items", pointer)
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")


def message_problems(args: dict, *, new: bool = False) -> tuple[str, list[str]] | None:
    """(error, messages) Slack would answer for this chat.* call, or None if it is valid.
    ``new``: a message being posted, which needs text, blocks or attachments."""
    text = args.get("text")
    if new and not (text or args.get("blocks") or args.get("attachments")):
        return "no_text", []
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        return "msg_too_long", []
    if args.get("blocks") in (None, "", []):
        return None
    check = _Checker()
    check.blocks(args["blocks"], MESSAGE_MAX_BLOCKS, "/blocks")
    return ("invalid_blocks", check.problems) if check.problems else None


def view_problems(view) -> list[str]:
    """What is wrong with a modal or App Home view (empty if Slack would accept it)."""
    check = _Checker()
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        check.fail("must be a modal or home view", "/view/type")
        return check.problems
    if view["type"] == "modal":
        if not view.get("title"):
            check.fail("is required", "/view/title")
        for key in ("title", "submit", "close"):
            check.text(view.get(key), VIEW_TITLE_MAX, f"/view/{key}")
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and not view.get("submit"):
            check.fail("submit is required when an input block is present", "/view/submit")
    check.max_len(view.get("private_metadata"), PRIVATE_METADATA_MAX, "/view/private_metadata")
    check.max_len(view.get("callback_id"), ID_MAX, "/view/callback_id")
    check.blocks(view.get("blocks", []), VIEW_MAX_BLOCKS, "/view/blocks")
    return check.problems
