"""The words of the privacy register: kinds of data, whose data, retention rules, and the entry
that classifies one column. The tables' entries are in the ``*_columns`` modules beside this.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """What a column holds, as far as data protection is concerned (value: the one-line meaning)."""

    NOT_PERSONAL = (
        "Says nothing about an identifiable person on its own (ids, statuses, dates, counts, "
        "choices from a list); exported as part of a personal row, left as it is by an erasure."
    )
    IDENTITY = "Names or singles out a person: a name, their organisation, their job title."
    CONTACT = "A way to reach a person: an email address, or their direct-message conversation."
    WRITTEN_BY_PERSON = "Free text a person typed (it may name them or anyone else)."
    ABOUT_PERSON = (
        "Recorded about a person by someone else or by the service: reasons, conflicts of "
        "interest, safeguards, their circumstances and choices."
    )
    PSEUDONYMOUS_ID = (
        "An id that identifies a person only with a look-up (a person id, or a platform's "
        "user id such as Slack's or Teams')."
    )

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


class Whose(Enum):
    """Whose personal data a column can hold."""

    SUPPLIER = "supplier"  # files complaints, perhaps anonymously
    INVESTIGATOR = "investigator"  # any member of the complaints team working a case
    LEAD = "lead"  # a complaints lead: reveals, reopens, reports
    CIVIL_SERVANT = "civil servant"  # a work-shadowing applicant
    MANAGER = "manager"  # the civil servant's line manager, who approves the sign-up
    HOST = "host"  # a voluntary-sector organisation's contact offering places
    COORDINATOR = "coordinator"  # a shadowing coordinator: rounds, conflicts
    ANY_PERSON = "any person"  # whoever wrote or was sent it


class Link(Enum):
    """How a column that holds a person's id ties that person to its row (subject access and
    erasure find a person's rows through these columns alone)."""

    OWNER = "The row is the person's own record: it and every row under it are theirs."
    ADDRESSEE = "The row was sent to the person: all of it is theirs to see."
    ACTOR = "The person acted on the row: theirs are the id and the texts they wrote in it."


@dataclass(frozen=True)
class Retention:
    """A named rule for how long data is kept. ``enforced_by``: what deletes or redacts it
    today; empty while the rule is only the register's (issue 17 item 4 is to apply it)."""

    name: str
    why: str
    enforced_by: str = ""


CASE = Retention(
    "case: 6 years after closed",
    "A complaint may be challenged, reopened or cited for six years after it closes (the "
    "limitation period for a claim); its people, texts and trail are kept for that long.",
    "jobs `privacy_retention` (bot.privacy.retention, PRIVACY_CASE_YEARS)",
)
AUDIT = Retention(
    "audit: as long as what it records",
    "An audit event is kept while the case, sign-up, host offer or placement it is about is "
    "kept, and redacted with it: the trail must account for every change to them.",
)
SIGN_UP = Retention(
    "sign-up: 1 year after it ends",
    "A civil servant's sign-up is kept a year after it was declined, withdrawn or completed, "
    "so a repeat sign-up and a coordinator's questions can be answered.",
    "jobs `privacy_retention` (bot.privacy.retention, PRIVACY_SHADOWING_DAYS)",
)
PLACEMENT = Retention(
    "shadowing: 1 year after placement ends",
    "A placement, its offer and its feedback are kept a year after its end date (or after "
    "the offer lapsed, was declined or withdrawn) for the shadowing report and any complaint.",
    "jobs `privacy_retention` (bot.privacy.retention, PRIVACY_SHADOWING_DAYS)",
)
HOST_OFFER = Retention(
    "host offer: 1 year after closed and its last placement ends",
    "A host's offer of places is kept while it is open, then as long as its placements.",
    "jobs `privacy_retention` (bot.privacy.retention, PRIVACY_SHADOWING_DAYS)",
)
CONFLICT = Retention(
    "conflict: as long as the sign-up or host offer",
    "A conflict of interest must keep stopping a match while either side is kept; cleared "
    "ones show which safeguards were agreed.",
)
ROUND = Retention(
    "round: dry runs 30 days, committed rounds with their placements",
    "A dry run is a plan nobody will commit a month later; a committed round is where its "
    "offers came from.",
    "jobs `pruning` (bot.shadowing.rounds.prune_dry_runs, SHADOW_DRY_RUN_KEEP_DAYS)",
)
OUTBOX = Retention(
    "outbox: 30 days after sent or given up",
    "A message is kept until it is delivered, then only for tracing a delivery problem; today "
    "the daily retention job redacts a done row's recipient and relayed text.",
    "jobs `privacy_retention` (bot.privacy.retention, PRIVACY_OUTBOX_DAYS)",
)
NUDGE = Retention(
    "nudges: 92 days",
    "Only to nudge nobody twice a day about one thing, and for `msbot jobs`.",
    "jobs `pruning` (bot.jobs.housekeeping.HISTORY_KEPT)",
)
PENDING = Retention(
    "pending commands: 2 days after done",
    "A command acknowledged before it ran is kept until it has run, then as long as the "
    "platform may still retry its delivery.",
    "jobs `pruning` (bot.pending.KEPT)",
)

PERSON = Retention(
    "people: while any kept row refers to them",
    "A person's name, email and platform accounts are how every other table names them; an "
    "erasure clears them (the id then names nobody) rather than breaking the references.",
)

RULES: tuple[Retention, ...] = (
    PERSON,
    CASE,
    AUDIT,
    SIGN_UP,
    PLACEMENT,
    HOST_OFFER,
    CONFLICT,
    ROUND,
    OUTBOX,
    NUDGE,
    PENDING,
)


# (column, prefix or prefixes): the rows a rule applies to, those whose column starts so.
When = tuple[str, str | tuple[str, ...]]


@dataclass(frozen=True)
class Entry:
    """How one column is classified.

    For a personal column: whose data it can be, why it is kept, the retention rule, whether
    a subject-access export must include it and an erasure must reach it (``export_note`` /
    ``erase_note`` say why not when they need not), and ``staff_kept``: in someone else's
    export, staff named here (investigators, leads, coordinators acting in their role) stay
    and everyone else is redacted; False: everyone else is redacted. ``note`` says what can
    sit inside a JSON column, or a finding of issue 17.
    """

    kind: Kind
    why: str
    whose: tuple[Whose, ...] = ()
    retention: Retention | None = None
    export: bool = False
    erase: bool = False
    export_note: str = ""
    erase_note: str = ""
    staff_kept: bool = False
    note: str = ""
    # Subject access and erasure (bot.privacy.records): ``link`` marks a column holding a
    # person's id; ``parent`` a column holding the id of the row that owns this one (the row
    # belongs to whoever owns that one), ``parent_when`` = (column, prefix or prefixes) when
    # only some rows point there, ``link_when`` likewise when only some rows hold a person's
    # id (the others another thing's); ``author`` the link column naming who wrote this text;
    # ``json_keys`` the keys of a JSON column that hold text (empty: every string in it);
    # ``erase_if`` a flag column that must be set for an erasure to reach this text.
    link: Link | None = None
    link_when: When | None = None
    parent: str = ""
    parent_when: When | None = None
    author: str = ""
    json_keys: tuple[str, ...] = ()
    erase_if: str = ""

    @property
    def personal(self) -> bool:
        return self.kind is not Kind.NOT_PERSONAL

    def problems(self) -> list[str]:
        """What is missing for this entry to answer an export or erasure question."""
        if not self.personal:
            return [] if self.why else ["a not-personal column needs its reason"]
        found = []
        if not self.whose:
            found.append("say whose data it is")
        if not self.why:
            found.append("say why it is kept")
        if self.retention is None:
            found.append("name its retention rule")
        if not self.export and not self.export_note:
            found.append("say why an export need not include it")
        if not self.erase and not self.erase_note:
            found.append("say why an erasure need not reach it")
        return found


def not_personal(
    why: str, note: str = "", *, parent: str = "", parent_when: When | None = None
) -> Entry:
    return Entry(Kind.NOT_PERSONAL, why, note=note, parent=parent, parent_when=parent_when)


def personal(
    kind: Kind,
    whose: tuple[Whose, ...] | Whose,
    why: str,
    retention: Retention,
    *,
    export: bool | str = True,
    erase: bool | str = True,
    **details,
) -> Entry:
    """A personal column. ``export`` / ``erase``: True, or the reason the duty does not apply.
    ``details``: Entry's other fields (staff_kept, note, link, link_when, parent, parent_when,
    author, json_keys, erase_if)."""
    return Entry(
        kind,
        why,
        whose=whose if isinstance(whose, tuple) else (whose,),
        retention=retention,
        export=export is True,
        erase=erase is True,
        export_note="" if export is True else str(export),
        erase_note="" if erase is True else str(erase),
        **details,
    )


def person_ref(
    link: Link, whose: tuple[Whose, ...] | Whose, why: str, retention: Retention, **rules
):
    """A column holding a person's id, which names them only through a look-up; ``link`` says
    how it ties them to the row (subject access and erasure follow it). ``rules``: personal's."""
    return personal(Kind.PSEUDONYMOUS_ID, whose, why, retention, link=link, **rules)


def staff_actor(whose: tuple[Whose, ...] | Whose, why: str, retention: Retention, **rules):
    """The id of whoever acted on the row, kept while the record is (who did what is the
    audit), even when staff ask to be erased."""
    return person_ref(Link.ACTOR, whose, why, retention, staff_kept=True, **rules)


# The columns every table has in some form; not personal wherever they appear.
ROW_ID = not_personal("The row's number.")
CREATED = not_personal("When the row was stored.")
UPDATED = not_personal("When the row last changed.")
STATUS = not_personal("Where the row is in its state machine.")
FORM_KEY = not_personal(
    "The platform's id of the submitted form: a repeated delivery finds the same row."
)
