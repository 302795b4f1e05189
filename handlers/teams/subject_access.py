"""`privacy export <@mention | email | #person>` in a lead's 1:1 chat with msbot: everything
msbot holds about a person, delivered to that chat as files, the one way Teams lets a bot send
a file in personal scope.

The core checks the lead may and queues the export (durably, before the answer; the
dispatcher's claim of the activity and the core's request key make a redelivery queue nothing
more). Each queued file goes out as a file consent card (privacy_messages.py). When the lead
accepts, Teams hands over an upload URL in their OneDrive: the file is drawn from the database
then (never stored), PUT there after the answer, and a file info card shows it in the chat.
Declining keeps nothing. Every answer here goes to the lead's 1:1 chat alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import structlog

from bot import deliveries
from bot.db import transaction
from bot.errors import DomainError, NotPermitted, StoreUnavailable
from bot.privacy import requests
from handlers.teams.dispatch import send, tell_privately
from handlers.teams.keys import DELIVERY_KEY_MAX, bounded_key
from handlers.teams.outgoing import TeamsOut
from handlers.teams.privacy_messages import CONSENT_VERB
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer, Routes

log = structlog.get_logger("msbot.teams")

FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
# Bounded: the upload runs after the answer, on the front end's background pool.
UPLOAD_TIMEOUT_SECONDS = 20.0
# Where OneDrive upload sessions live, in Microsoft's public and national clouds.
ONEDRIVE_HOSTS = (".sharepoint.com", ".sharepoint.us", ".sharepoint.cn", ".sharepoint-mil.us")

USAGE = (
    'Say "privacy export @person" (or their email, or their person number, e.g. #12): '
    "everything msbot holds about them comes to you here, as JSON and as a web page."
)
ONLY_LEADS = "Only the team's leads can export a person's data. Ask a lead if it is needed."
QUEUED = (
    "Queued: the export for {who} is on its way to you here (two files, each to accept). It "
    "holds personal data: keep it only as long as the request needs it."
)
REVEALS = (
    " {n} of their cases are anonymous: naming them to you is recorded as a reveal, as "
    "reveal would be."
)
AGAIN = "That request is queued already: the files are on their way to you here."
DECLINED = "You declined the file: nothing of it was made or kept. Ask again if you need it."
UPLOADING = "Thanks: the file is being put in your OneDrive and will show here."
DONE_ALREADY = "That file was handled already."
UPLOAD_FAILED = (
    "The file could not be put in your OneDrive, so nothing was kept: ask for the export "
    "again if it is still needed."
)


def privacy(req: TeamsRequest) -> None:
    words = req.text.split()[1:]
    if len(words) < 2 or words[0].lower() != "export":
        tell_privately(req, USAGE)
        return
    # A mention's text is the person's display name: who they are is the mention's id.
    who = req.mentioned_ids[0] if len(req.mentioned_ids) == 1 else words[1]
    services = req.services
    try:
        queued = requests.queue_export(
            services.engine,
            req.actor(),
            who,
            requests.staff_names(services.settings),
            services.clock(),
            request_key=bounded_key(req.conversation_id, req.activity_id, limit=DELIVERY_KEY_MAX),
        )
    except NotPermitted:
        tell_privately(req, ONLY_LEADS)
        return
    if not queued.rows:
        tell_privately(req, AGAIN)
        return
    shown = " ".join(words[1:]) if req.mentioned_ids else words[1]
    answer = QUEUED.format(who=shown[:120])
    if queued.anonymous_cases:
        answer += REVEALS.format(n=queued.anonymous_cases)
    tell_privately(req, answer)
    services.send_queued()


def consent(req: TeamsRequest) -> InvokeAnswer:
    """The lead's answer to a file consent card: once per file (a repeat does nothing)."""
    value = req.value or {}
    row = value.get("row")
    person_id = req.actor().person_id
    # The row must be this lead's before anything is claimed: a forged answer spoils nothing.
    with transaction(req.services.engine) as s:
        requests.offered_row(s, row, person_id)
    key = bounded_key("file-consent", row, limit=DELIVERY_KEY_MAX)
    if value.get("action") != "accept":
        # Teams shows nothing of an invoke's answer here: the lead is told in the chat.
        if deliveries.claim(req.services.engine, key):
            tell_privately(req, DECLINED)
        return InvokeAnswer.close()
    upload = value.get("upload") or {}
    if not upload_allowed(str(upload.get("uploadUrl") or ""), req.service_url):
        log.warning("teams.upload_refused")
        return InvokeAnswer.tell(UPLOAD_FAILED)
    if not deliveries.claim(req.services.engine, key):
        return InvokeAnswer.tell(DONE_ALREADY)
    req.services.after_ack(_upload, req, row, person_id, upload)
    return InvokeAnswer.tell(UPLOADING)


def upload_allowed(url: str, service_url: str) -> bool:
    """Teams' upload URLs are upload sessions in the person's OneDrive (https, a SharePoint
    host of Microsoft's clouds); the fake connector's are on its own origin. Nothing else is
    fetched, whatever an activity says."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        return False
    if parts.scheme == "https" and parts.hostname.endswith(ONEDRIVE_HOSTS):
        return True
    local = urlsplit(service_url)
    return (parts.scheme, parts.netloc) == (local.scheme, local.netloc)


def _upload(req: TeamsRequest, row: int, person_id: int, upload: dict) -> None:
    try:
        with transaction(req.services.engine) as s:
            content = requests.consented_file(s, row, person_id).content.encode()
    except (DomainError, StoreUnavailable):
        tell_privately(req, UPLOAD_FAILED)
        return
    size = len(content)
    try:
        answer = httpx.put(
            upload["uploadUrl"],
            content=content,
            headers={"Content-Range": f"bytes 0-{size - 1}/{size}"},
            timeout=UPLOAD_TIMEOUT_SECONDS,
        )
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("teams.upload_failed", error=type(exc).__name__)
        tell_privately(req, UPLOAD_FAILED)
        return
    send(req, TeamsOut("The subject-access export you asked for.", attachment=file_info(upload)))


def file_info(upload: dict) -> dict:
    """The card that shows an uploaded file in the chat (what Teams documents after consent)."""
    return {
        "contentType": FILE_INFO,
        "contentUrl": upload.get("contentUrl"),
        "name": upload.get("name"),
        "content": {"uniqueId": upload.get("uniqueId"), "fileType": upload.get("fileType")},
    }


ROUTES = Routes(personal_commands={"privacy": privacy}, actions={CONSENT_VERB: consent})
