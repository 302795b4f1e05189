"""The activities of the Teams core benchmark (benchmarks/teams_activities.py ``--scenario
core``), shaped as Teams sends them: a supplier opens the "Raise a complaint" dialog from the
message extension and submits it (a case is stored), an investigator presses the card's
buttons ("Assign to me", then "Triage"), replies in the card's thread (a note), and the supplier
asks for the case's status in their 1:1 chat.

Each client is one supplier and one investigator of their own, so clients never contend for
the same case; what they share is the database, the outbox and the front end's threads.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from tests.teams_support import BOT

TENANT = "6d73626f-7400-4000-8000-00000000be0c"
TRIAGE = "19:bench-triage@thread.tacv2"
LEADS = "19:bench-leads@thread.tacv2"
COMMAND = "raiseComplaint"
REFERENCE = re.compile(r"MS-\d{4}-\d{4,}")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    aad: str

    def account(self) -> dict:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad}


def people(clients: int) -> tuple[list[Person], list[Person]]:
    suppliers = [
        Person(f"29:bench-supplier-{n}", f"Supplier {n}", str(uuid.uuid4())) for n in range(clients)
    ]
    investigators = [
        Person(f"29:bench-investigator-{n}", f"Investigator {n}", str(uuid.uuid4()))
        for n in range(clients)
    ]
    return suppliers, investigators


def personal_chat(person: Person) -> str:
    return f"a:1{person.id}"


def _activity(service_url: str, person: Person, conversation: dict, **fields) -> dict:
    return {
        "id": uuid.uuid4().hex,
        "timestamp": "2026-12-06T12:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": person.account(),
        "recipient": {"id": BOT, "name": "msbot"},
        "conversation": {**conversation, "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        **fields,
    }


def _personal(person: Person) -> dict:
    return {"id": personal_chat(person), "conversationType": "personal"}


def _thread(root: str) -> dict:
    return {"id": f"{TRIAGE};messageid={root}", "conversationType": "channel", "isGroup": True}


def open_dialog(service_url: str, supplier: Person) -> dict:
    value = {"commandId": COMMAND, "commandContext": "compose"}
    return _activity(
        service_url,
        supplier,
        _personal(supplier),
        type="invoke",
        name="composeExtension/fetchTask",
        value=value,
    )


def answers(today: date, n: int) -> dict:
    return {
        "authority_name": f"Borsetshire Council {n % 7}",
        "authority_kind": "wider",
        "procurement_title": f"Meals on wheels, lot {n}",
        "procurement_reference": "",
        "stage": "tender",
        "category": "timescales",
        "procurement_date": (today - timedelta(days=30)).isoformat(),
        "what_happened": "Ten working days to answer a 90-page tender, over the holidays.",
        "outcome_wanted": "A fair deadline for every bidder.",
        "organisation_name": "Ambridge Meals CIC",
        "organisation_type": "social_enterprise",
        "anonymous": "true" if n % 3 == 0 else "false",
        "invoice_amount": "",
        "invoice_date": "",
    }


def submit_dialog(service_url: str, supplier: Person, form_data: dict, filled: dict) -> dict:
    value = {"commandId": COMMAND, "commandContext": "compose", "data": {**form_data, **filled}}
    return _activity(
        service_url,
        supplier,
        _personal(supplier),
        type="invoke",
        name="composeExtension/submitAction",
        value=value,
    )


def press(service_url: str, investigator: Person, root: str, verb: str, **data) -> dict:
    action = {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}}
    return _activity(
        service_url,
        investigator,
        _thread(root),
        type="invoke",
        name="adaptiveCard/action",
        value={"action": action},
        replyToId=root,
    )


def reply_in_thread(service_url: str, investigator: Person, root: str, text: str) -> dict:
    return _activity(service_url, investigator, _thread(root), type="message", text=text)


def say(service_url: str, supplier: Person, text: str) -> dict:
    return _activity(service_url, supplier, _personal(supplier), type="message", text=text)


def form_data(answer: dict) -> dict:
    """The dialog's submit data (its verb and submission token) from fetchTask's answer."""
    card = answer["task"]["value"]["card"]["content"]
    return dict(card["actions"][0]["data"])


def reference_of(answer: dict) -> str | None:
    found = REFERENCE.search(str(answer))
    return found.group(0) if found else None


def card_root(connector, reference: str) -> str | None:
    """The triage card's activity id in the fake Bot Connector's channel, once posted."""
    channel = connector.conversations.get(TRIAGE)
    heading = f"Complaint {reference}"
    for activity_id, body in list(channel.activities.items()) if channel else ():
        if heading in str(body.get("attachments")):
            return activity_id
    return None
