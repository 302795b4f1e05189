"""What msbot says in Teams when it is installed, or to "hello" and anything it does not
understand: a welcome card (Adaptive Card) with a button that opens the complaint dialog.

Platform text only: this module decides what Teams shows, never what the core does.
"""

from __future__ import annotations

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
WELCOME_TITLE = "Hello, I'm msbot"
WELCOME_TEXT = (
    "I help the commercial team handle procurement complaints from suppliers, and I arrange "
    "work-shadowing placements."
)
NOT_YET_TEXT = (
    "Raise a concern about how a public body ran a procurement with the button below (you "
    'can stay anonymous). Type "home" to see your cases and "status" to check on one.'
)
RAISE_BUTTON = "Raise a complaint"
# The complaint dialog's id (handlers/teams/complaints/dialog.py): the button's verb.
COMPLAINT_DIALOG = "complaint"
HELP_HINT = 'Type "help" at any time to see this again.'


def welcome_card() -> dict:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": WELCOME_TITLE, "size": "Large", "weight": "Bolder"},
            {"type": "TextBlock", "text": WELCOME_TEXT, "wrap": True},
            {"type": "TextBlock", "text": NOT_YET_TEXT, "wrap": True},
            {"type": "TextBlock", "text": HELP_HINT, "wrap": True, "isSubtle": True},
        ],
        "actions": [open_dialog_button(RAISE_BUTTON, COMPLAINT_DIALOG)],
    }


def open_dialog_button(title: str, dialog: str) -> dict:
    """A button that opens a dialog (task/fetch); the dialog's id is its verb."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "task/fetch"}, "verb": dialog},
    }


def welcome_activity() -> dict:
    """A message activity carrying the card; the summary is what a notification shows."""
    return {
        "type": "message",
        "summary": WELCOME_TITLE,
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": welcome_card()}],
    }
