"""SQLModel tables. Importing this package registers every table on ``SQLModel.metadata``."""

from sqlmodel import SQLModel

from models.complaint import (
    CaseLink,
    CaseNote,
    Complaint,
    ComplaintEvent,
    ProcurementGroup,
    ReferenceCounter,
)
from models.conversations import PostedMessage
from models.jobs import JobRun, Nudge
from models.messaging import OutboxMessage, PendingCommand, ProcessedDelivery
from models.people import Person, PersonalChat, PlatformAccount
from models.shadowing import (
    ShadowApplicant,
    ShadowConflict,
    ShadowEvent,
    ShadowFeedback,
    ShadowHost,
    ShadowPlacement,
    ShadowRound,
)

metadata = SQLModel.metadata

__all__ = [
    "CaseLink",
    "CaseNote",
    "Complaint",
    "ComplaintEvent",
    "JobRun",
    "Nudge",
    "OutboxMessage",
    "PendingCommand",
    "Person",
    "PersonalChat",
    "PlatformAccount",
    "PostedMessage",
    "ProcessedDelivery",
    "ProcurementGroup",
    "ReferenceCounter",
    "ShadowApplicant",
    "ShadowConflict",
    "ShadowEvent",
    "ShadowFeedback",
    "ShadowHost",
    "ShadowPlacement",
    "ShadowRound",
    "metadata",
]
