"""The service works to UK dates, whatever the server's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def today_uk() -> date:
    return datetime.now(UK).date()
