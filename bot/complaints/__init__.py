# Registers the hooks that keep anonymous cases' filers out of the logs, whichever module of the
# complaints core (or adapter) is imported first.
from bot.complaints import privacy as _privacy  # noqa: F401
