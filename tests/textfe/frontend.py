"""The text front end: one line of plain text in, one answer out, messages in conversations.

Per line it does what the architecture asks of every front end and nothing more: parse the
command, resolve the person and their Actor once (``_request``), call the core with plain
values, word the result or the core's structured refusal (``explain``), then let the outbox
deliver what the core queued (transport.py, rendered by render.py).

People are written ``@handle`` in commands; ``Person.value`` is what the core receives for a
person: their person id (bot.people), each with an account of this front end's platform.
"""

from __future__ import annotations

import dataclasses
import shlex
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import bootstrap, conversations, outbox, people
from bot.complaints import catalog, intake, investigation, related
from bot.complaints.investigation import ALREADY_ASSIGNED, NOT_ON_TEAM
from bot.config import DEFAULT_DEPARTMENTS
from bot.db import transaction
from bot.errors import DomainError, ValidationFailed
from bot.permissions import Actor, RoleDirectory
from bot.shadowing import hosts, placements, rounds, signup
from models import Person as PersonRow
from models import PlatformAccount
from tests.textfe import render
from tests.textfe.transport import PLATFORM, Conversations, Line, TextTransport, deliver_all

TRIAGE_ROOM = "triage"


@dataclass(frozen=True)
class Person:
    handle: str  # what people type: @ana
    name: str  # what people read
    value: int  # what the core is given for this person: their person id (bot.people)

    @property
    def account(self) -> str:
        """Their user id on this front end's platform ("text")."""
        return f"text-{self.handle}"


@dataclass(frozen=True)
class Request:
    person: Person
    actor: Actor
    args: list[str]  # positional words after the command
    options: dict[str, str]  # key=value words


Command = Callable[["TextFrontEnd", Request], str]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


class TextFrontEnd:
    def __init__(
        self,
        engine: Engine,
        people: list[Person],
        *,
        investigators: tuple[str, ...] = (),
        leads: tuple[str, ...] = (),
        coordinators: tuple[str, ...] = (),
        now: datetime,
        offer_expiry_days: int = 7,
    ):
        self.engine, self.now, self.offer_expiry_days = engine, now, offer_expiry_days
        self.people = {p.handle: p for p in people}
        self._by_value = {p.value: p for p in people}
        self._register(people)
        value = self._person_value
        self.coordinators = frozenset(value(h) for h in coordinators)
        # The core's role directory, fed from this front end's own configuration: the role
        # settings name people by their text accounts, as Slack's name them by Slack ids.
        self.roles = RoleDirectory(
            SimpleNamespace(
                investigator_user_ids=self._accounts(investigators),
                lead_user_ids=self._accounts(leads),
                coordinator_user_ids=self._accounts(coordinators),
            )
        )
        # Who is in the triage room: the platform's membership, as a Slack channel's is.
        self.rooms = {TRIAGE_ROOM: {value(h) for h in (*investigators, *leads)}}
        self.conversations = Conversations()
        # Its renderers, with the core's after-sent hooks from the composition root.
        self.transport = TextTransport(
            self.conversations,
            render.renderers(self.name_of, lambda: self.today),
            {outbox.TRIAGE_ROLE: TRIAGE_ROOM},
            after_sent=bootstrap.after_sent_hooks(),
            threaded_kinds=bootstrap.threaded_kinds(),
        )

    @property
    def today(self) -> date:
        return self.now.astimezone(UTC).date()

    # --- people ---------------------------------------------------------------------------

    def _register(self, known: list[Person]) -> None:
        """This front end's directory, in the people tables: each person with their text
        account, under the id the stories name them by (made once per database)."""
        with transaction(self.engine) as s:
            for p in known:
                if s.get(PersonRow, p.value) is None:
                    s.add(PersonRow(id=p.value, display_name=p.name))
                    s.flush()
                    s.add(PlatformAccount(person_id=p.value, platform=PLATFORM, user_id=p.account))

    def _person_value(self, handle: str) -> int:
        return self.people[handle.removeprefix("@")].value

    def _accounts(self, handles: tuple[str, ...]) -> frozenset[str]:
        """The user ids of these people's accounts, as a role setting names them."""
        with Session(self.engine) as s:
            found = people.refs(s, [self._person_value(h) for h in handles])
        return frozenset(user_id for ref in found.values() for _, user_id in ref.accounts)

    def actor_of(self, value: int) -> Actor:
        """The person with their roles: what the core is handed for whoever acts."""
        with Session(self.engine) as s:
            return self.roles.actor_for(people.ref(s, value))

    def name_of(self, value: int | None) -> str:
        person = self._by_value.get(value)
        return person.name if person else "someone"

    # --- one line in, one answer out ------------------------------------------------------

    def say(self, handle: str, line: str) -> str:
        request, run = self._request(self.people[handle], line)
        try:
            answer = run(self, request)
        except DomainError as exc:
            answer = explain(exc, self.name_of)
        deliver_all(self.engine, self.transport)
        return answer

    def _request(self, person: Person, line: str) -> tuple[Request, Command]:
        name, *words = shlex.split(line)
        args = [w for w in words if "=" not in w]
        options = dict(w.split("=", 1) for w in words if "=" in w)
        # The actor is resolved once per request, here, and handed to the core.
        return Request(person, self.actor_of(person.value), args, options), COMMANDS[name]

    def deliver(self) -> int:
        """What the scheduler queued (follow-ups due...), delivered as after a command."""
        return deliver_all(self.engine, self.transport)

    # --- what each person sees ------------------------------------------------------------

    def direct_messages(self, handle: str) -> list[str]:
        return [line.text for line in self.conversations.room(str(self._person_value(handle)))]

    def room(self, name: str = TRIAGE_ROOM) -> list[str]:
        return [line.text for line in self.conversations.room(name)]

    def form(self, form_type: type, options: dict[str, str]):
        """A core form dataclass from key=value words, converted by the field's type; a value
        ``@handle`` is that person."""
        hints = typing.get_type_hints(form_type)
        values = {}
        for field in dataclasses.fields(form_type):
            if field.name not in options:
                continue
            raw, hint = options[field.name], str(hints[field.name])
            if raw.startswith("@"):
                values[field.name] = self._person_value(raw)
            elif "date" in hint:
                values[field.name] = date.fromisoformat(raw)
            elif "bool" in hint:
                values[field.name] = raw == "yes"
            elif "tuple" in hint:
                values[field.name] = tuple(v for v in raw.split(",") if v)
            elif "int" in hint:
                values[field.name] = int(raw)
            else:
                values[field.name] = raw
        return form_type(**values)


# One map from the core's refusals to words; a refusal naming people names them our way.
NAMING = {
    ALREADY_ASSIGNED: "{person} already has this case; nothing was changed.",
    NOT_ON_TEAM: "{person} is not an investigator or lead, so they can't take this case.",
}


def explain(exc: DomainError, name_of: Callable[[str | None], str]) -> str:
    if (wording := NAMING.get(exc.code)) and exc.people:
        return wording.format(person=name_of(exc.people[0]))
    if isinstance(exc, ValidationFailed):
        return "Not saved: " + " ".join(f"{k}: {v}" for k, v in exc.errors.items())
    return str(exc)


# --- complaints ---------------------------------------------------------------------------


@command("complaint")
def file_complaint(fe: TextFrontEnd, r: Request) -> str:
    result = intake.submit(
        fe.engine,
        fe.form(intake.ComplaintForm, r.options),
        actor=r.actor,
        submission_key=None,  # a typed line has no delivery id to repeat
        today=fe.today,
        policy=intake.IntakePolicy(),
    )
    case = result.complaint
    # Grouping runs after the commit, as the Slack adapter's after-ack work does (gap 5).
    related.group_case(fe.engine, case.id, now=fe.now)
    return f"Thank you. Your case reference is {case.reference}."


@command("assign")
def assign(fe: TextFrontEnd, r: Request) -> str:
    reference, whom = r.args[0], r.args[1:]
    if whom in ([], ["me"]):
        assignee: int | Actor = r.person.value
    else:
        assignee = fe.actor_of(fe._person_value(whom[-1]))  # the core checks the team
    view = investigation.assign(
        fe.engine, reference, assignee, r.actor, fe.now, only_if_unassigned=not whom[:-1]
    )
    return f"{view.reference} is assigned to {fe.name_of(view.assignee)}."


DETAIL_DATES = ("follow_up_due", "contacted_on", "replied_on")


@command("do")
def move(fe: TextFrontEnd, r: Request) -> str:
    reference, action = r.args[:2]
    details: dict = dict(r.options)
    for key in DETAIL_DATES:
        if key in details:
            details[key] = date.fromisoformat(details[key])
    if "publishable" in details:
        details["publishable"] = details["publishable"] == "yes"
    view = investigation.perform(fe.engine, reference, action, r.actor, fe.now, **details)
    return f"{view.reference} is now {view.status_label}."


@command("follow-up")
def follow_up(fe: TextFrontEnd, r: Request) -> str:
    view = investigation.record_follow_up(
        fe.engine,
        r.args[0],
        r.actor,
        fe.now,
        follow_up_result=r.options.get("result"),
        follow_up_note=r.options.get("note"),
    )
    return f"{view.reference} is now {view.status_label}."


def _tell(fe: TextFrontEnd, r: Request, *, await_reply: bool) -> str:
    reference, text = r.args[0], " ".join(r.args[1:])
    investigation.tell_supplier(
        fe.engine, reference, r.actor, text, fe.now, await_reply=await_reply
    )
    return f"Sent to the supplier of {reference.upper()}."


COMMANDS["ask"] = lambda fe, r: _tell(fe, r, await_reply=True)
COMMANDS["tell"] = lambda fe, r: _tell(fe, r, await_reply=False)


def note_key(line: Line) -> str:
    """The core's key for a message of this front end (unique across front ends)."""
    return f"{PLATFORM}:{line.id}"


def case_of(replied_to: Line, *, relayed: bool = False):
    """The case a reply to ``replied_to`` belongs to: the card's case, or (``relayed``) the
    case that relayed that message to the supplier; as the core's one-column query."""
    about = conversations.SUPPLIER_RELAY if relayed else conversations.CASE_CARD
    return conversations.subject_of(PLATFORM, replied_to.room, replied_to.id, about)


@command("reply")
def reply(fe: TextFrontEnd, r: Request) -> str:
    """A reply to a message: in the triage room a case note, in one's own direct messages an
    answer to the team. Only a conversation the person is in can be replied to."""
    target = fe.conversations.lines.get(r.args[0])
    text = " ".join(r.args[1:])
    own_dm = target is not None and target.room == str(r.person.value)
    member = target is not None and r.person.value in fe.rooms.get(target.room, ())
    if not (own_dm or member):
        return "There is no such message in your conversations."
    line = fe.conversations.post(target.room, text, author=r.person.value, thread=target.id)
    # The message replied to says which case this is about (bot.conversations); the core is
    # called with that case and this front end's key for the new message.
    case = case_of(target, relayed=own_dm)
    key = note_key(line)
    # The core asks its policy (a note is the team's; an answer the case's supplier's): a
    # refusal is told to this person alone, as every answer here is.
    if own_dm:
        found = investigation.supplier_reply(fe.engine, case, key, text, fe.now, actor=r.actor)
    else:
        found = investigation.record_note(fe.engine, case, key, text, fe.now, actor=r.actor)
    return "Passed to the team." if found and own_dm else ("Noted." if found else "")


@command("timeline")
def timeline(fe: TextFrontEnd, r: Request) -> str:
    with transaction(fe.engine) as s:
        entries = investigation.timeline(s, r.args[0], r.actor)
    lines = []
    for e in entries:
        who = fe.name_of(e.actor_id) if e.actor_id else None
        if e.kind in ("note", "supplier_note"):
            lines.append(f"{who or 'The supplier'}: {e.text}")
        elif e.kind == "transition":
            lines.append(f"{who or 'The service'}: {catalog.status_label(e.data['to'])}")
        else:
            lines.append(f"{who or 'The service'}: {e.kind.replace('_', ' ')}")
    return "\n".join(lines)


# --- work-shadowing -----------------------------------------------------------------------


@command("signup")
def sign_up(fe: TextFrontEnd, r: Request) -> str:
    applicant = signup.sign_up(
        fe.engine,
        fe.form(signup.SignupForm, r.options),
        actor=r.actor,
        submission_key=None,
        today=fe.today,
        departments=DEFAULT_DEPARTMENTS,
    )
    manager = fe.name_of(applicant.manager_id)
    return f"Thank you: sign-up {applicant.id} is waiting for {manager}'s approval."


def _decide(fe: TextFrontEnd, r: Request, *, approve: bool) -> str:
    a = signup.decide(fe.engine, int(r.args[0]), actor=r.actor, approve=approve, now=fe.now)
    return f"Sign-up {a.id} is now {a.status.replace('_', ' ')}."


COMMANDS["approve"] = lambda fe, r: _decide(fe, r, approve=True)
COMMANDS["refuse"] = lambda fe, r: _decide(fe, r, approve=False)


@command("host")
def offer_places(fe: TextFrontEnd, r: Request) -> str:
    host = hosts.offer_places(
        fe.engine,
        fe.form(hosts.HostForm, r.options),
        actor=r.actor,
        submission_key=None,
        today=fe.today,
        departments=DEFAULT_DEPARTMENTS,
    )
    return f"Thank you: host {host.id} ({host.organisation}) offers {host.capacity} places."


@command("round")
def dry_run(fe: TextFrontEnd, r: Request) -> str:
    rnd = rounds.dry_run(fe.engine, actor=r.actor, now=fe.now)
    s = rnd.summary
    return (
        f"Round {rnd.id} (dry run): {s['queued']} queued, {s['matched']} would be matched. "
        f"Send the offers with: commit {rnd.id}"
    )


@command("commit")
def commit(fe: TextFrontEnd, r: Request) -> str:
    rnd = rounds.commit(
        fe.engine,
        int(r.args[0]),
        actor=r.actor,
        now=fe.now,
        expiry_days=fe.offer_expiry_days,
    )
    return f"Round {rnd.id} committed: {rnd.summary['offers']} offers sent."


def _respond(fe: TextFrontEnd, r: Request, *, accept: bool) -> str:
    p = placements.respond(fe.engine, int(r.args[0]), actor=r.actor, accept=accept, now=fe.now)
    return f"You {'accepted' if accept else 'declined'} offer {p.id}."


COMMANDS["accept"] = lambda fe, r: _respond(fe, r, accept=True)
COMMANDS["decline"] = lambda fe, r: _respond(fe, r, accept=False)
