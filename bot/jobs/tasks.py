"""The job list: importing this module registers every job (see bot.jobs.registry)."""

from bot.jobs import digest, housekeeping, reminders, shadowing  # noqa: F401
from bot.privacy import retention  # noqa: F401
