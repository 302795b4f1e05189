"""What msbot says in Teams before the full front end lands: a welcome card (Adaptive Card) in
answer to "help", "hello", anything it does not understand yet, and its installation.

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
    "Raising complaints and signing up for shadowing in Teams are coming soon. Until then, "
    "please use msbot where your team uses it today."
)
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
    }


def welcome_activity() -> dict:
    """A message activity carrying the card; the summary is what a notification shows."""
    return {
        "type": "message",
        "summary": WELCOME_TITLE,
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": welcome_card()}],
    }
