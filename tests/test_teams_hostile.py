"""Hostile requests to the Teams front end with its real routes and a database, over real
HTTP, on both databases: forged, expired and misaddressed tokens under serve-teams settings;
malformed invoke values and commands (unknown verbs, wrong types, huge strings, missing or
foreign case references, another tenant's ids); a dialog submission Teams retries (it does,
twice, when an answer takes over 5 s); and a database too slow to answer. None gets a server
error, none changes data it should not, and the person always hears what happened in time."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, text
from sqlmodel import Session, select

from bot.db import make_engine
from handlers.teams import case_card
from handlers.teams.app import TeamsFrontEnd
from handlers.teams.complaints.dialog import UNAVAILABLE, UNCONFIRMED
from handlers.teams.connector import TeamsConnector
from handlers.teams.server import BackgroundTeams
from handlers.teams.settings import load_teams_settings
from models import CaseNote, Complaint, ComplaintEvent, OutboxMessage, Person, PlatformAccount
from tests.teams_app import TENANT, TeamsBot, core_for, person
from tests.teams_case_support import (
    INV,
    card_id,
    file_case,
    press,
    say_in_thread,
    team_bot,
    wait_until,
)
from tests.teams_support import APP_ID, TokenIssuer, activity
from tests.test_db_silent import SilentProxy, _others_settled
from tests.test_teams_complaints import _card_of, _submit_data, answers

SERVICE_URL = "https://smba.trafficmanager.net/uk/"
# Teams gives an invoke 5 s before it shows an error and sends it again (Microsoft Learn,
# "Respond to the dialog submit action": "Your app has five seconds to respond").
INVOKE_LIMIT_SECONDS = 5.0


def _counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            model.__name__: s.exec(select(func.count()).select_from(model)).one()
            for model in (Complaint, ComplaintEvent, CaseNote, OutboxMessage)
        }


def _people(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Person)).one()


def _statuses(engine) -> dict[str, str]:
    with Session(engine) as s:
        return {c.reference: c.status for c in s.exec(select(Complaint))}


# Serving for real, with the routes and a database behind the token check.


@pytest.fixture
def issuer():
    running = TokenIssuer()
    yield running
    running.close()


@pytest.fixture
def served(engine, issuer):
    replies: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        replies.append(request)
        return httpx.Response(201, json={"id": "1"})

    settings = load_teams_settings(
        "serve", {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_PORT": "3978"}
    )
    connector = TeamsConnector(
        min_interval=0,
        token=lambda: "outbound",
        client=httpx.Client(transport=httpx.MockTransport(record)),
    )
    front = TeamsFrontEnd(settings, connector=connector, cloud=issuer.cloud, core=core_for(engine))
    running = BackgroundTeams(front)
    running.replies = replies
    yield running
    running.close()


def _invoke(name: str, value: dict, user: dict) -> dict:
    body = activity(SERVICE_URL, type="invoke", name=name, value=value)
    del body["text"]
    body["from"] = user
    body["conversation"] = {
        "id": f"a:1{user['id']}",
        "conversationType": "personal",
        "tenantId": TENANT,
    }
    return body


def _post(bot, body: dict, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(bot.messages_url, json=body, headers=headers, timeout=20)


def test_a_bad_token_reaches_no_route_and_changes_nothing(served, issuer, engine):
    user = person("Token Tester")
    good = issuer.token(SERVICE_URL)
    opened = _post(served, _invoke("task/fetch", {"data": {"verb": "complaint"}}, user), good)
    form = _card_of(opened.json())
    submit = _invoke("task/submit", {"data": {**_submit_data(form), **answers()}}, user)
    withdraw = {**_invoke("task/fetch", {}, user), "type": "message", "text": "withdraw MS-1"}
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = {
        "forged": issuer.token(SERVICE_URL, key=stranger),
        "expired": issuer.token(SERVICE_URL, exp=int(time.time()) - 600, iat=1, nbf=1),
        "not yet valid": issuer.token(SERVICE_URL, nbf=int(time.time()) + 3600),
        "another bot": issuer.token(SERVICE_URL, aud="11111111-2222-4333-8444-555555555555"),
        "another issuer": issuer.token(SERVICE_URL, iss="https://api.botframework.example"),
        "another service": issuer.token("https://smba.attacker.example/"),
        "unsigned": "eyJhbGciOiJub25lIn0.eyJhdWQiOiIwMDAwIn0.",
        "empty": "",
    }
    replies_before, people_before = len(served.replies), _people(engine)
    for why, token in bad.items():
        for body in (submit, withdraw):
            answer = _post(served, body, token or None)
            assert answer.status_code == 401, (why, answer.status_code)
    assert _counts(engine)["Complaint"] == 0
    assert _people(engine) == people_before
    assert len(served.replies) == replies_before

    # The same submission with a good token is the route doing its work.
    stored = _post(served, submit, good)
    assert stored.status_code == 200 and "case reference is" in stored.text
    assert _counts(engine)["Complaint"] == 1


# The local front end (no token: `msbot local --teams`) on its real routes.


@pytest.fixture
def bot(engine):
    running = TeamsBot(engine)
    yield running
    running.close()


def _file(bot, user) -> Complaint:
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=user))
    bot.invoke("task/submit", {"data": {**_submit_data(form), **answers()}}, user=user)
    with Session(bot.services.engine) as s:
        return s.exec(select(Complaint).where(Complaint.reporter_id.is_not(None))).all()[-1]


HUGE = "x" * 200_000


def bot_person(engine, user: dict) -> int | None:
    with Session(engine) as s:
        return s.exec(
            select(PlatformAccount.person_id).where(PlatformAccount.user_id == user["aadObjectId"])
        ).first()


def _hostile_invokes(reference: str, token: str) -> list[tuple[str, object]]:
    form = {"verb": "complaint", "submission_token": token}
    return [
        ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "nope"}}),
        ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": 7}}),
        ("adaptiveCard/action", {"action": "withdraw"}),
        ("adaptiveCard/action", {"action": {"verb": "withdraw", "data": [reference]}}),
        ("adaptiveCard/action", {"action": {"verb": HUGE, "data": {"case": HUGE}}}),
        ("task/fetch", {"data": {"verb": ["complaint"]}}),
        ("task/fetch", {"data": "complaint"}),
        ("task/fetch", None),
        ("task/fetch", [1, 2, 3]),
        ("task/submit", {"data": {"verb": "complaint"}}),  # no token
        ("task/submit", {"data": {**form, "submission_token": 12345, **answers()}}),
        ("task/submit", {"data": {**form, "submission_token": HUGE, **answers()}}),
        ("task/submit", {"data": {**form, **answers(authority_name={"$gt": ""})}}),
        ("task/submit", {"data": {**form, **answers(procurement_date=20261206)}}),
        ("task/submit", {"data": {**form, **answers(procurement_date="2026-02-30")}}),
        ("task/submit", {"data": {**form, **answers(anonymous=["true"])}}),
        ("task/submit", {"data": {**form, **answers(what_happened=HUGE)}}),
        ("task/submit", {"data": {**form, **answers(category="not_a_category")}}),
        ("task/submit", {"data": {**form, **answers(invoice_amount="1e309")}}),
        ("composeExtension/submitAction", {"commandId": None, "data": form}),
        ("composeExtension/submitAction", {"commandId": "raiseComplaint", "data": "x"}),
        ("composeExtension/fetchTask", {"commandId": {"raiseComplaint": 1}}),
        ("composeExtension/query", {"commandId": "search", "parameters": HUGE}),
        ("signin/verifyState", {"state": HUGE}),
        ("task/unknown", {"data": {"verb": "complaint"}}),
    ]


def test_malformed_invokes_get_an_answer_and_change_nothing(bot, engine):
    owner = person("Case Owner")
    bot.install(owner)
    case = _file(bot, owner)
    before, statuses = _counts(engine), _statuses(engine)
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=owner))
    token = _submit_data(form)["submission_token"]
    attacker = person("Someone Else")
    for name, value in _hostile_invokes(case.reference, token):
        body = activity(bot.connector.url, type="invoke", name=name, value=value)
        del body["text"]
        body["from"] = attacker
        body["conversation"]["tenantId"] = TENANT
        answer = bot.post(body)
        assert answer.status_code < 500, (name, answer.status_code)
        if name == "task/submit" and isinstance(value, dict):
            # Whatever came, the answer is a dialog or a message: never silence.
            assert answer.json()["task"]["type"] in ("continue", "message"), (name, value)
    # The owner's case is as it was. A submission whose wrongly typed field was optional (the
    # field is dropped) may store a case: the sender's own, with their own dialog's token.
    assert _statuses(engine).items() >= statuses.items()
    with Session(engine) as s:
        new = s.exec(select(Complaint).where(Complaint.reference.not_in(statuses))).all()
        senders = {c.reporter_id for c in new}
        refused = s.exec(select(Complaint).where(Complaint.what_happened == HUGE)).all()
    assert senders <= {bot_person(engine, attacker)}
    assert refused == [] and len(new) <= 3
    assert _counts(engine)["CaseNote"] == before["CaseNote"]


def test_a_stolen_dialog_token_gives_away_no_one_else_s_case(bot, engine):
    """A submission token is only as secret as the card that carried it: someone who replays
    another person's (a forged invoke) gets a case of their own, never the first case's
    reference or due date."""
    owner = person("Case Owner")
    bot.install(owner)
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=owner))
    data = {**_submit_data(form), **answers(anonymous="true")}
    first = bot.invoke("task/submit", {"data": data}, user=owner)
    thief = person("Token Thief")
    theirs = bot.invoke("task/submit", {"data": data}, user=thief)
    with Session(engine) as s:
        cases = list(s.exec(select(Complaint).order_by(Complaint.id)))
    assert len(cases) == 2
    assert cases[0].reference in first["task"]["value"]
    assert cases[0].reference not in theirs["task"]["value"]
    assert cases[1].reference in theirs["task"]["value"]


def test_commands_with_missing_or_foreign_case_references(bot, engine):
    owner = person("Case Owner")
    owner_chat = bot.install(owner)
    case = _file(bot, owner)
    statuses = _statuses(engine)
    # The owner's ids under another tenant: another person, who owns nothing here.
    foreign = {**owner}
    foreign_chat = f"a:1{owner['id']}"
    words = [
        "withdraw",
        "withdraw     ",
        f"withdraw {case.reference.lower()}x",
        f"withdraw {HUGE}",
        "status MS-9999-9999",
        f"status {HUGE[:5000]}",
        "withdraw MS-2026-000\u0000 because \u202e",
    ]
    for word in words:
        assert bot.say(word, user=owner).status_code == 200
    for word in (f"withdraw {case.reference}", f"status {case.reference}"):
        body = activity(bot.connector.url, word)
        body["from"] = foreign
        body["conversation"] = {
            "id": foreign_chat,
            "conversationType": "personal",
            "tenantId": "0bad7e4a-0000-4000-8000-00000000beef",
        }
        assert bot.post(body).status_code == 200

    # The refusals reach the person who asked, in their own chat; nothing changed.
    def refused(calls):
        return sum("was found" in str(c.body) for c in calls if c.conversation_id == owner_chat)

    bot.connector.wait_for(lambda calls: refused(calls) >= 3)
    assert _statuses(engine) == statuses
    # The same ids under another tenant are another person.
    with Session(engine) as s:
        accounts = s.exec(
            select(PlatformAccount.workspace, PlatformAccount.person_id).where(
                PlatformAccount.user_id == owner["aadObjectId"]
            )
        ).all()
    assert {w for w, _ in accounts} == {TENANT, "0bad7e4a-0000-4000-8000-00000000beef"}
    assert len({p for _, p in accounts}) == 2


def test_a_submission_teams_retries_while_the_first_is_running_stores_one_case(bot, engine):
    user = person()
    bot.install(user)
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=user))
    value = {"data": {**_submit_data(form), **answers()}}
    start = threading.Barrier(3)
    answers_seen: list[dict] = []

    def submit():
        start.wait(timeout=10)
        answers_seen.append(bot.invoke("task/submit", value, user=user))

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with Session(engine) as s:
        [case] = s.exec(select(Complaint)).all()
        receipts = s.exec(select(OutboxMessage).where(OutboxMessage.kind.contains("received")))
        assert len(list(receipts)) == 1
    assert len(answers_seen) == 3
    assert all(case.reference in a["task"]["value"] for a in answers_seen)


class _Held:
    """Another session holding the tables a submission writes, as a long migration or a
    stuck transaction would: every write waits for it (SQLite: the database's write lock;
    PostgreSQL: table locks)."""

    def __init__(self, engine):
        self.connection = engine.raw_connection()
        cursor = self.connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("LOCK TABLE complaint, reference_counter IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()


def test_a_slow_database_gets_a_clear_answer_in_time_and_nothing_saved(bot, engine):
    user = person()
    bot.install(user)
    bot.say("home", user=user)  # the person is known: only the case's writes wait
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=user))
    value = {"data": {**_submit_data(form), **answers()}}
    with Session(engine) as s:
        s.execute(text("SELECT 1"))
    held = _Held(engine)
    try:
        started = time.monotonic()
        answer = bot.invoke("task/submit", value, user=user)
        took = time.monotonic() - started
    finally:
        held.release()
    assert took < INVOKE_LIMIT_SECONDS, took
    dialog = _card_of(answer)
    said = [e.get("text") for e in dialog["body"] if e.get("id") == "form__error"]
    assert said == [UNAVAILABLE], dialog["body"]
    assert "Nothing was saved" in UNAVAILABLE
    assert _counts(engine)["Complaint"] == 0
    # The answers are kept, and the same dialog submitted again once the database answers
    # stores the case, once.
    again = bot.invoke("task/submit", {"data": {**_submit_data(dialog), **answers()}}, user=user)
    assert again["task"]["type"] == "message"
    assert _counts(engine)["Complaint"] == 1


def test_teams_longest_ids_still_make_a_key_that_fits(bot):
    """Ids as long as the edge allows (512 each): the key that recognises a retried message
    still fits its column on PostgreSQL, so the command runs, once."""
    user = person()
    chat = "a:1" + "c" * 500
    bot.connector.add_channel(chat)
    body = activity(bot.connector.url, "status", id="1:" + "9" * 500)
    body["from"] = user
    body["conversation"] = {"id": chat, "conversationType": "personal", "tenantId": TENANT}
    assert bot.post(body).status_code == 200
    assert bot.post(body).status_code == 200  # Teams' retry: answered once
    bot.connector.wait_for(lambda calls: any(c.conversation_id == chat for c in calls))
    said = [str(c.body) for c in bot.connector.sent(chat)]
    assert len(said) == 1 and "went wrong" not in said[0], said


@pytest.fixture
def silent(pg_url):
    """PostgreSQL behind a proxy that can go silent (as tests/test_db_silent.py's)."""
    proxy = SilentProxy()
    engine = make_engine(pg_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/"))
    yield proxy, engine, pg_url
    proxy.close()
    engine.dispose()


def test_a_silent_postgresql_gets_an_answer_in_time_and_nothing_saved(silent):
    """The database stops answering mid-conversation (connections open, nothing comes back;
    tests/test_db_silent.py's proxy): the dialog still answers inside Teams' 5 s, saying
    nothing was saved, and that stays true once the database is back."""
    proxy, engine, direct_url = silent
    bot = TeamsBot(engine)
    try:
        user = person()
        bot.install(user)
        form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=user))
        value = {"data": {**_submit_data(form), **answers()}}
        bot.say("home", user=user)
        proxy.hang()
        started = time.monotonic()
        answer = bot.invoke("task/submit", value, user=user)
        took = time.monotonic() - started
        proxy.resume()
        proxy.wait_flushed()
        assert took < INVOKE_LIMIT_SECONDS, took
        dialog = _card_of(answer)
        said = [e.get("text") for e in dialog["body"] if e.get("id") == "form__error"]
        assert said and said[0] in (UNAVAILABLE, UNCONFIRMED), dialog["body"]
        check = make_engine(direct_url)
        try:
            settle_by = time.monotonic() + 20
            while not _others_settled(check.url.database):
                assert time.monotonic() < settle_by, "sessions still busy"
                time.sleep(0.05)
            if said[0] == UNAVAILABLE:
                assert _counts(check)["Complaint"] == 0
        finally:
            check.dispose()
        # Submitted again (Teams' retry, or the person): one case, whatever happened before.
        again = bot.invoke("task/submit", value, user=user)
        assert again["task"]["type"] == "message"
        assert _counts(engine)["Complaint"] == 1
    finally:
        bot.close()


def test_long_activity_ids_on_the_case_card_and_in_its_thread(engine):
    """A button press and a reply in the card's chain whose activity ids are as long as the
    edge allows: the press is done once and the reply is one note, on both databases."""
    bot = team_bot(engine)
    try:
        case = file_case(bot, engine)
        root = card_id(bot, engine, case)
        long_id = "1:" + "7" * 500
        for _ in range(2):  # Teams sending it again
            answer = press(bot, root, INV, case_card.ASSIGN_SELF, long_id, reference=case.reference)
            assert "went wrong" not in str(answer)
        for _ in range(2):
            say_in_thread(bot, root, INV, "Rang the council.", id="2:" + "8" * 500)

        def notes():
            with Session(engine) as s:
                return s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()

        [note] = wait_until(notes, "the note")
        assert note.text == "Rang the council."
        with Session(engine) as s:
            assert s.get(Complaint, case.id).assignee_id is not None
            assigned = s.exec(
                select(ComplaintEvent).where(
                    ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == "assigned"
                )
            ).all()
        assert len(assigned) == 1
    finally:
        bot.close()
