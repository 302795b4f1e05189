"""Issue 17 in Teams, over real HTTP against the fake Bot Connector, on both databases: a
lead's `privacy export` in their 1:1 chat queues the export durably (once per delivery),
refusing everyone else privately; each file comes as a file consent card; accepting uploads the
file (drawn then) to the upload URL and shows a file info card, once; declining keeps nothing;
a consent forged by someone else uploads nothing."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import Session, select

from bot.db import transaction
from bot.privacy import requests
from handlers.teams import privacy_messages, subject_access
from models import ComplaintEvent, OutboxMessage, Person
from tests.teams_case_support import (
    INV,
    LEAD,
    ORGANISATION,
    OTHER,
    SUPPLIER,
    file_case,
    team_bot,
    wait_until,
)


@pytest.fixture
def bot(engine):
    running = team_bot(engine)
    for user in (LEAD, INV, OTHER):
        running.install(user)
    yield running
    running.close()


def chat(user: dict) -> str:
    return f"a:1{user['id']}"


def texts(bot, user: dict) -> list[str]:
    return [c.body.get("text") or "" for c in bot.connector.sent(chat(user)) if c.method == "POST"]


def said(bot, user: dict, text: str) -> str:
    """What msbot answers ``user`` (the newest message in their chat after ``text``)."""
    before = len(texts(bot, user))
    assert bot.say(text, user).status_code == 200
    return wait_until(lambda: texts(bot, user)[before:], "an answer")[-1]


def exports(engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == requests.EXPORT_FILE)))


def consent_cards(bot) -> list[dict]:
    return [
        a
        for c in bot.connector.sent(chat(LEAD))
        for a in c.body.get("attachments") or ()
        if a["contentType"] == privacy_messages.FILE_CONSENT_CARD
    ]


def answer(bot, card: dict, action: str, user: dict = LEAD, upload: dict | None = None) -> dict:
    value = {"type": "fileUpload", "action": action, "context": card["content"]["acceptContext"]}
    if upload is not None:
        value["uploadInfo"] = upload
    return bot.invoke("fileConsent/invoke", value, user=user, id=uuid.uuid4().hex)


def test_a_lead_exports_a_person_to_their_chat_through_file_consent(bot, engine):
    case = file_case(bot, engine, anonymous=True)
    said(bot, OTHER, "hello")  # someone else msbot knows, who must not be in the export
    for someone in (OTHER, INV):
        assert said(bot, someone, "privacy export someone@example.org") == (
            subject_access.ONLY_LEADS
        )
    assert said(bot, LEAD, "privacy export") == subject_access.USAGE
    assert said(bot, LEAD, "privacy export nobody@example.org").startswith("Nobody msbot knows")
    assert not exports(engine)

    # A mention names the supplier by their chat member id ("29:…"), as Teams sends it.
    mention = {
        "type": "mention",
        "text": "<at>Secret Supplier</at>",
        "mentioned": {"id": SUPPLIER["id"], "name": SUPPLIER["name"]},
    }
    asked = {
        "id": "export-1",
        "entities": [mention],
    }
    body_text = "privacy export <at>Secret Supplier</at>"
    before = len(texts(bot, LEAD))
    assert bot.say(body_text, LEAD, **asked).status_code == 200
    # Queued before the answer, addressed to the lead, holding ids and never the file.
    queued = exports(engine)
    assert {m.data["format"] for m in queued} == {"json", "html"}
    assert {m.data["person"][0] for m in queued} == {case.reporter_id}
    reply = wait_until(lambda: texts(bot, LEAD)[before:], "the answer")[0]
    assert reply.startswith("Queued: the export for Secret Supplier") and "anonymous" in reply
    # Teams' redelivery of the same activity queues nothing more.
    assert bot.say(body_text, LEAD, **asked).status_code == 200
    assert len(exports(engine)) == 2
    with Session(engine) as s:
        reveals = s.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "revealed")).all()
        assert [e.complaint_id for e in reveals] == [case.id]

    cards = wait_until(lambda: len(consent_cards(bot)) == 2 and consent_cards(bot), "consent")
    by_format = {c["name"].rpartition(".")[2]: c for c in cards}
    assert all(c["content"]["sizeInBytes"] > 0 for c in cards)
    assert ORGANISATION not in json.dumps(cards)

    # Someone else answering the lead's card gets nothing.
    forged = bot.connector.upload_slot(by_format["html"]["name"])
    refused = answer(bot, by_format["html"], "accept", OTHER, forged)
    assert "no longer available" in refused["value"]
    assert bot.connector.uploads[forged["uniqueId"]] is None

    uploads = {}
    for fmt, card in by_format.items():
        uploads[fmt] = bot.connector.upload_slot(card["name"])
        answer(bot, card, "accept", upload=uploads[fmt])
    files = {
        fmt: wait_until(lambda s=slot: bot.connector.uploads[s["uniqueId"]], "upload").decode()
        for fmt, slot in uploads.items()
    }
    held = json.loads(files["json"])
    assert ORGANISATION in json.dumps(held["tables"]["complaint"])
    assert ORGANISATION in files["html"] and "<script" not in files["html"]
    for content in files.values():
        assert OTHER["name"] not in content and OTHER["aadObjectId"] not in content

    def file_infos():
        return [
            a
            for c in bot.connector.sent(chat(LEAD))
            for a in c.body.get("attachments") or ()
            if a["contentType"] == subject_access.FILE_INFO
        ]

    infos = wait_until(lambda: len(file_infos()) == 2 and file_infos(), "file info cards")
    assert {i["content"]["uniqueId"] for i in infos} == {s["uniqueId"] for s in uploads.values()}
    # A repeated accept of the same card uploads and shows nothing more.
    again = bot.connector.upload_slot(by_format["json"]["name"])
    assert answer(bot, by_format["json"], "accept", upload=again)["value"] == (
        subject_access.DONE_ALREADY
    )
    assert bot.connector.uploads[again["uniqueId"]] is None
    # Nothing of the files is kept in the outbox once sent.
    assert all(ORGANISATION not in json.dumps(m.data) for m in exports(engine))


def test_a_declined_file_is_never_made_and_the_lead_is_told(bot, engine):
    case = file_case(bot, engine)
    with transaction(engine) as s:
        s.execute(update(Person).where(Person.id == case.reporter_id).values(email="s@x.org"))
    for who in (f"#{case.reporter_id}", "s@x.org"):
        assert said(bot, LEAD, f"privacy export {who}").startswith("Queued")
    assert len(exports(engine)) == 4
    cards = wait_until(lambda: len(consent_cards(bot)) == 4 and consent_cards(bot), "consent")
    before = len(texts(bot, LEAD))
    answer(bot, cards[0], "decline")
    assert wait_until(lambda: texts(bot, LEAD)[before:], "told")[0] == subject_access.DECLINED
    # The same decline again says nothing more.
    answer(bot, cards[0], "decline")
    assert texts(bot, LEAD)[before:] == [subject_access.DECLINED]


def test_an_upload_url_elsewhere_than_https_is_refused(bot, engine):
    case = file_case(bot, engine)
    said(bot, LEAD, f"privacy export #{case.reporter_id}")
    card = wait_until(lambda: consent_cards(bot), "consent")[0]
    slot = bot.connector.upload_slot(card["name"])
    for elsewhere in ("http://169.254.169.254/latest/meta-data", "https://evil.example/u"):
        hostile = {**slot, "uploadUrl": elsewhere}
        refused = answer(bot, card, "accept", upload=hostile)
        assert refused["value"] == subject_access.UPLOAD_FAILED
    assert bot.connector.uploads[slot["uniqueId"]] is None


@settings(max_examples=200, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "ftp", "file", ""]),
    host=st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True),
    port=st.sampled_from(["", ":443", ":8080"]),
)
def test_only_onedrive_or_the_connector_itself_is_ever_uploaded_to(scheme, host, port):
    connector = "http://127.0.0.1:3978"
    url = f"{scheme}://{host}{port}/upload"
    allowed = subject_access.upload_allowed(url, connector)
    onedrive = scheme == "https" and host.endswith(subject_access.ONEDRIVE_HOSTS)
    assert allowed == (onedrive or (f"{host}{port}" == "127.0.0.1:3978" and scheme == "http"))
    assert not subject_access.upload_allowed(f"https://x@{host}.sharepoint.com/u", connector)
