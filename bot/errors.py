"""Domain errors raised by the core and translated into messages by each front end."""


class DomainError(Exception):
    """Base class: the message is safe to show to the user who caused it."""


class ValidationFailed(DomainError):
    """Input was rejected; ``errors`` maps a field name to a message for that field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(DomainError):
    """The thing asked for does not exist, or the asker may not know it exists."""


class NotPermitted(DomainError):
    """The user may not do this."""


class InvalidTransition(DomainError):
    """The requested change is not allowed from the current state."""


class StoreUnavailable(DomainError):
    """The database could not be reached; nothing was written."""
