"""An anonymous case is never logged with its filer: the log context learns of every anonymous
case the moment it is loaded or stored, whichever code path does it.

SQLAlchemy calls these hooks for every Complaint an ORM query loads, a refresh reloads or a
flush inserts, so no operation has to remember to unbind the user: from then on the unit of
work's lines name nobody (bot/logs.py ``touching_anonymous_case`` and ``forget_filer``).
"""

from __future__ import annotations

from sqlalchemy import event

from bot.logs import touching_anonymous_case
from models import Complaint


def _loaded(target: Complaint, *_args) -> None:
    if target.anonymous:
        touching_anonymous_case()


event.listen(Complaint, "load", _loaded)
event.listen(Complaint, "refresh", _loaded)
event.listen(Complaint, "before_insert", lambda _mapper, _conn, target: _loaded(target))
