"""The Teams front end's foundation, over real HTTP on both databases: requests parsed from
activities (mentions stripped, reply chains found), the routes a feature lists reached from
messages, card actions, dialogs and message-extension commands, a repeated message handled
once, and the person and their 1:1 chat remembered at install and at first contact."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from handlers.teams.card_forms import dialog_form
from handlers.teams.cards import adaptive_card, text_block
from handlers.teams.dispatch import reply
from handlers.teams.requests import split_conversation, strip_mentions
from handlers.teams.routes import InvokeAnswer, Routes, merge
from models import PersonalChat, PlatformAccount
from tests.teams_app import TENANT, TeamsBot, person
from tests.teams_support import BOT


def test_reply_chain_ids_come_from_the_conversation_id():
    assert split_conversation("19:abc@thread.tacv2;messageid=1712") == (
        "19:abc@thread.tacv2",
        "1712",
    )
    assert split_conversation("19:abc@thread.tacv2") == ("19:abc@thread.tacv2", None)
    assert split_conversation("a:1xyz") == ("a:1xyz", None)


def test_the_bots_mention_is_stripped_and_others_kept_as_names():
    text = "<at>msbot</at>  assign <at>Sam Jones</at>\n now"
    assert strip_mentions(text, frozenset({"msbot"})) == "assign Sam Jones now"
    assert strip_mentions("<at id='0'>msbot</at> help") == "help"


@given(st.text())
def test_no_mention_markup_survives_stripping(text):
    once = strip_mentions(text)
    # Each mention becomes a space, so no new one can form from the pieces around it.
    assert re.search(r"<at\b[^>]*>.*?</at>", once, re.IGNORECASE | re.DOTALL) is None
    assert strip_mentions(once) == once
    assert once == once.strip()


def test_merge_refuses_a_word_claimed_twice():
    one = Routes(commands={"home": lambda req: None})
    with pytest.raises(ValueError):
        merge(one, Routes(commands={"home": lambda req: None}))
    with pytest.raises(ValueError):
        merge(Routes(personal_reply=print), Routes(personal_reply=print))


class Seen:
    """What the test routes were handed."""

    def __init__(self):
        self.requests = []
        self.done = threading.Event()

    def __call__(self, answer=None):
        def handler(req):
            self.requests.append(req)
            self.done.set()
            return answer

        return handler


@pytest.fixture
def seen():
    return Seen()


@pytest.fixture
def bot(engine, seen):
    card = adaptive_card([text_block("Assigned to you")])
    form = dialog_form([], verb="complaint", submission_token="tok")
    routes = Routes(
        commands={"status": seen(), "echo": lambda req: reply(req, f"you said {req.text}")},
        actions={"assign": seen(InvokeAnswer.updated(card))},
        dialogs={
            "complaint": (lambda req: form, seen(InvokeAnswer.tell("Thanks"))),
            "raiseComplaint": (lambda req: form, seen(InvokeAnswer.tell("Thanks"))),
        },
        channel_reply=seen(),
        personal_reply=seen(),
    )
    running = TeamsBot(engine, routes=routes)
    yield running
    running.close()


def test_a_command_reaches_its_handler_with_the_mention_stripped(bot, seen):
    user = person()
    bot.install(user)
    channel = {
        "id": "19:team@thread.tacv2;messageid=1700000000001",
        "conversationType": "channel",
        "tenantId": TENANT,
    }
    body_text = "<at>msbot</at> status MS-2026-0001"
    answer = bot.say(
        body_text,
        user=None,
        conversation=channel,
        entities=[{"type": "mention", "text": "<at>msbot</at>", "mentioned": {"id": BOT}}],
    )
    assert answer.status_code == 200
    assert seen.done.wait(10)
    req = seen.requests[0]
    assert (req.text, req.thread_id, req.channel_id, req.conversation_type) == (
        "status MS-2026-0001",
        "1700000000001",
        "19:team@thread.tacv2",
        "channel",
    )


def test_an_answer_goes_back_to_the_same_chat(bot, engine):
    user = person()
    chat = bot.install(user)
    assert bot.say("echo hello", user=user).status_code == 200
    calls = bot.connector.wait_for(
        lambda calls: any(c.conversation_id == chat and c.status == 201 for c in calls)
    )
    sent = [c for c in calls if c.conversation_id == chat and c.status == 201]
    assert sent[-1].body["text"] == "you said echo hello"
    assert sent[-1].body["textFormat"] == "plain"


def test_a_repeated_message_is_handled_once(bot, seen):
    user = person()
    bot.install(user)
    body_id = "repeat-1"
    assert bot.say("status", user=user, id=body_id).status_code == 200
    assert bot.say("status", user=user, id=body_id).status_code == 200
    assert len(seen.requests) == 1


def test_plain_replies_go_to_the_reply_handlers(bot, seen):
    user = person()
    bot.install(user)
    assert bot.say("just saying", user=user).status_code == 200
    assert seen.done.wait(10)  # run just after the 200, from its record
    assert seen.requests[-1].text == "just saying"
    assert seen.requests[-1].personal


def test_card_action_answers_with_the_updated_card(bot, seen):
    body = bot.invoke(
        "adaptiveCard/action",
        {"action": {"type": "Action.Execute", "verb": "assign", "data": {"case": "MS-1"}}},
    )
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == "Assigned to you"
    assert seen.requests[-1].value == {"case": "MS-1", "verb": "assign"}


def test_dialogs_open_and_submit_from_a_button_and_the_extension(bot, seen):
    opened = bot.invoke("task/fetch", {"data": {"verb": "complaint"}})
    assert opened["task"]["type"] == "continue"
    assert opened["task"]["value"]["card"]["content"]["type"] == "AdaptiveCard"
    done = bot.invoke("task/submit", {"data": {"verb": "complaint", "title": "x"}})
    assert done == {"task": {"type": "message", "value": "Thanks"}}
    assert seen.requests[-1].value == {"verb": "complaint", "title": "x"}
    fetched = bot.invoke(
        "composeExtension/fetchTask", {"commandId": "raiseComplaint", "commandContext": "compose"}
    )
    assert fetched["task"]["type"] == "continue"
    bot.invoke(
        "composeExtension/submitAction",
        {"commandId": "raiseComplaint", "commandContext": "compose", "data": {"a": "b"}},
    )
    assert seen.requests[-1].value == {"a": "b", "verb": "raiseComplaint"}


def test_an_unknown_button_is_told_not_failed(bot):
    body = bot.invoke(
        "adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "x", "data": {}}}
    )
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "don't know" in body["value"]


def test_first_contact_remembers_the_person_and_their_chat(bot, engine, seen):
    user = person("Ada Lovelace")
    chat = bot.install(user)
    assert bot.say("status", user=user).status_code == 200
    seen.requests[-1].actor()
    with Session(engine) as s:
        account = s.exec(
            select(PlatformAccount).where(PlatformAccount.user_id == user["aadObjectId"])
        ).one()
        stored = s.exec(select(PersonalChat).where(PersonalChat.account_id == account.id)).one()
    assert (account.platform, account.workspace, account.display_name) == (
        "teams",
        TENANT,
        "Ada Lovelace",
    )
    assert (stored.member_id, stored.conversation_id, stored.service_url) == (
        user["id"],
        chat,
        bot.connector.url,
    )


def test_installing_msbot_remembers_the_chat_and_says_hello(bot, engine):
    user = person()
    chat = bot.install(user)
    added = {
        "type": "conversationUpdate",
        "id": "install-1",
        "channelId": "msteams",
        "serviceUrl": bot.connector.url,
        "from": user,
        "recipient": {"id": BOT, "name": "msbot"},
        "conversation": {"id": chat, "conversationType": "personal", "tenantId": TENANT},
        "membersAdded": [{"id": BOT}],
    }
    assert bot.post(added).status_code == 200
    bot.connector.wait_for(
        lambda calls: any(c.conversation_id == chat and c.status == 201 for c in calls)
    )
    with Session(engine) as s:
        assert s.exec(select(PersonalChat.conversation_id)).all() == [chat]


def test_in_a_channel_only_a_mention_is_a_command(bot, seen):
    chain = {
        "id": "19:team@thread.tacv2;messageid=1700000000009",
        "conversationType": "channel",
        "tenantId": TENANT,
    }
    # A reply in a reply chain that only starts with a command word is a reply (a note).
    assert bot.say("status looks fine to me", conversation=chain).status_code == 200
    assert seen.done.wait(10)  # run just after the 200, from its record
    req = seen.requests[-1]
    assert (req.mentioned, req.thread_id, req.text) == (
        False,
        "1700000000009",
        "status looks fine to me",
    )


def test_a_new_channel_post_without_a_mention_gets_no_answer(bot, seen):
    post_id = "1700000000077"
    channel = {
        "id": f"19:team@thread.tacv2;messageid={post_id}",
        "conversationType": "channel",
        "tenantId": TENANT,
    }
    assert bot.say("lunch anyone?", conversation=channel, id=post_id).status_code == 200
    assert seen.requests == []
    assert bot.connector.calls == []  # nothing tried to answer it
