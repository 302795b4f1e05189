"""Domain errors raised by the core and translated into messages by each front end.

Every error carries a plain-text message, safe to show as it is, and may carry a ``code`` with
the ``people`` (platform user ids) and ``cases`` (references) it involves. The message never
names a person: a front end that knows the code words it itself and renders the people its own
way (Slack as mentions, a text front end as names), since only the front end knows how.
"""


class DomainError(Exception):
    """Base class: the message is safe to show to the user who caused it."""

    code = "refused"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        people: tuple[str, ...] = (),
        cases: tuple[str, ...] = (),
    ):
        super().__init__(message)
        if code:
            self.code = code
        self.people = tuple(people)
        self.cases = tuple(cases)


class ValidationFailed(DomainError):
    """Input was rejected; ``errors`` maps a field name to a message for that field."""

    code = "invalid"

    def __init__(self, errors: dict[str, str], **structured):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), **structured)
        self.errors = errors


class NotFound(DomainError):
    """The thing asked for does not exist, or the asker may not know it exists."""

    code = "not_found"


class NotPermitted(DomainError):
    """The user may not do this."""

    code = "not_permitted"


class InvalidTransition(DomainError):
    """The requested change is not allowed from the current state."""

    code = "invalid_transition"


class StoreUnavailable(DomainError):
    """The database could not be reached; nothing was written."""

    code = "store_unavailable"
