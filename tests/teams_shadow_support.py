"""What the Teams work-shadowing tests share: the people of the story, a bot whose clock they
set, and reading the cards msbot sent to the fake Bot Connector or answered an invoke with."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from tests.teams_app import TeamsBot, person

DEPARTMENTS = ("Home Office", "Ministry of Justice", "Department for Education")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
EXECUTE = "adaptiveCard/action"
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


class Story:
    """The bot and everyone in the story, each with msbot installed and known to it."""

    def __init__(self, engine):
        self.applicant = person("Priya Shah")
        self.manager = person("Sam Jones")
        self.host = person("Jo Archer")
        self.coordinator = person("Kit Marlowe")
        self.stranger = person("Lee Stranger")
        self.bot = TeamsBot(
            engine,
            core_settings={
                "departments": DEPARTMENTS,
                "coordinator_user_ids": frozenset({self.coordinator["aadObjectId"]}),
            },
        )
        self.bot.services.clock = lambda: NOW
        self.bot.services.today = lambda: TODAY
        self.chats = {}
        for who in (self.applicant, self.manager, self.host, self.coordinator, self.stranger):
            self.chats[who["id"]] = self.bot.install(who)
            # Their first message: msbot knows them (and their chat) from now on.
            assert self.bot.say("shadow status", user=who).status_code == 200

    def chat(self, who: dict) -> str:
        return self.chats[who["id"]]

    def say(self, who: dict, text: str) -> None:
        assert self.bot.say(text, user=who).status_code == 200

    def press(self, who: dict, verb: str, data: dict, **inputs: str) -> dict:
        """An Action.Execute from ``who``: Teams sends the button's data with the inputs."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": {**data, **inputs}}}
        return self.bot.invoke(EXECUTE, value, user=who)

    def answer(self, who: dict, card: dict, verb: str, **inputs: str) -> dict:
        """``who`` presses the ``verb`` button on ``card`` with the card's inputs filled in."""
        return self.press(who, verb, data_of(card, verb), **inputs)

    def card_to(self, who: dict, contains: str) -> dict:
        """The newest card posted to ``who``'s 1:1 chat containing ``contains`` (waiting)."""
        chat = self.chat(who)

        def found(calls):
            return [
                c.body["attachments"][0]["content"]
                for c in calls
                if c.conversation_id == chat
                and c.status < 300
                and c.method == "POST"
                and c.body.get("attachments")
                and contains in json.dumps(c.body, ensure_ascii=False)
            ]

        return found(self.bot.connector.wait_for(lambda calls: bool(found(calls))))[-1]

    def texts_to(self, who: dict) -> list[str]:
        """Everything posted to ``who``'s chat, as JSON text."""
        return [
            json.dumps(c.body, ensure_ascii=False)
            for c in self.bot.connector.sent(self.chat(who))
            if c.method == "POST"
        ]

    def close(self) -> None:
        self.bot.close()


def actions(card: dict) -> list[dict]:
    """Every Action.Execute on the card, those under a ShowCard (a confirmation) included."""
    found = []
    for action in card.get("actions", []):
        if action["type"] == "Action.ShowCard":
            found.extend(actions(action["card"]))
        elif action["type"] == "Action.Execute":
            found.append(action)
    return found


def verbs(card: dict) -> list[str]:
    return [a["verb"] for a in actions(card)]


def data_of(card: dict, verb: str) -> dict:
    return next(a["data"] for a in actions(card) if a["verb"] == verb)


def elements(card: dict) -> list[dict]:
    out, stack = [], list(card.get("body", []))
    while stack:
        element = stack.pop(0)
        out.append(element)
        stack.extend(element.get("items", []))
    return out


def element(card: dict, element_id: str) -> dict | None:
    return next((e for e in elements(card) if e.get("id") == element_id), None)


def words(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def is_card(answer: dict) -> dict:
    assert answer["type"] == CARD, answer
    return answer["value"]


def is_private_message(answer: dict) -> str:
    assert answer["type"] == MESSAGE, answer
    return answer["value"]


def signup_answers(manager_id: str, **overrides: str) -> dict:
    answers = {
        "department": "Home Office",
        "grade": "HEO",
        "role": "Policy adviser",
        "region": "london",
        "mode": "either",
        "interests": "health,housing",
        "learning_goals": "How small charities bid for council contracts.",
        "available_from": "2026-12-01",
        "available_to": "2027-01-31",
        "length": "week",
        "manager_id": manager_id,
        "conflict_organisations": "",
    }
    answers.update(overrides)
    return answers


def host_answers(**overrides: str) -> dict:
    answers = {
        "organisation": "Ambridge Mind",
        "contact_name": "Jo Archer",
        "contact_email": "jo@ambridgemind.org.uk",
        "areas": "health,mental_health",
        "region": "london",
        "mode": "either",
        "capacity": "2",
        "available_from": "2026-12-01",
        "available_to": "2027-03-31",
        "activities": "Sit in on our contracts team and visit two projects.",
        "conflict_departments": "",
    }
    answers.update(overrides)
    return answers
