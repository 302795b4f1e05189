"""What the privacy work posts in Teams: a message msbot posted, its text replaced in place
(updateActivity) after an erasure; and a lead's subject-access export offered as a file
consent card in their 1:1 chat (handlers/teams/subject_access.py takes the answer). Pure
functions of the core's loaders (bot.conversations.redaction,
bot.privacy.requests.export_file)."""

from __future__ import annotations

from bot import conversations
from bot.outbox import Skip
from bot.people import TEAMS
from bot.privacy import requests
from handlers.teams.outgoing import TeamsOut, drawn

FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
# The consent card's verb: its accept or decline comes back as a fileConsent/invoke carrying it.
CONSENT_VERB = "privacy_export_file"
EXPORT_DESCRIPTION = (
    "The subject-access export you asked for. It holds personal data: keep it only as long "
    "as the request needs it."
)


def redacted(target: conversations.Redaction) -> TeamsOut:
    if target.platform != TEAMS:
        raise Skip("another platform's message")
    return TeamsOut(
        conversations.REDACTED,
        conversation_id=target.conversation_id,
        update_id=target.message_id,
    )


def export_consent(file: requests.ExportFile) -> TeamsOut:
    """A bot may send a file in a 1:1 chat only once the person agrees to it: this card asks
    (its size is the file's now; the file is drawn again when they accept). The contexts name
    the outbox row only, never the person the export is about."""
    context = {"verb": CONSENT_VERB, "row": file.row}
    return TeamsOut(
        "A subject-access export for you to accept",
        attachment={
            "contentType": FILE_CONSENT_CARD,
            "name": file.filename,
            "content": {
                "description": EXPORT_DESCRIPTION,
                "sizeInBytes": len(file.content.encode()),
                "acceptContext": context,
                "declineContext": context,
            },
        },
    )


RENDERERS = {
    conversations.REDACT: drawn(conversations.redaction, redacted),
    requests.EXPORT_FILE: drawn(requests.export_file, export_consent),
}
