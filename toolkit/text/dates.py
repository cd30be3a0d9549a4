"""Document dates: parsed strictly, kept as ISO 8601 text.

A date field holds ISO 8601 (``2019-03-01``, ``2019-03-01T14:30:00``, ``2019-03-01 14:30``,
with or without a UTC offset, which is then dropped after conversion to UTC) unless the
experiment file gives ``date_format``, a :func:`datetime.strptime` pattern such as
``%d/%m/%Y``. Anything else is a :class:`~toolkit.errors.DataError` naming the file and row.
Parsed dates are stored as ``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DDTHH:MM:SS``.

Files in a folder carry their date in their name: ``2019-03-01-budget.txt`` or
``20190301_budget.txt`` (a leading date, then any separator), read with ``dates: filename``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from toolkit.errors import DataError, shown

_FILENAME_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?=$|[^0-9])")


def iso(moment: datetime) -> str:
    """``YYYY-MM-DD`` for a midnight, else ``YYYY-MM-DDTHH:MM:SS`` (UTC when it had an offset)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def parse_date(value: str, where: str, field: str, date_format: str | None = None) -> str:
    """``value`` as an ISO date string; a DataError naming ``where`` and ``field`` if it is none.

    Parameters
    ----------
    value : str
        The text of the date field.
    where : str
        File and row, for the message.
    field : str
        The field's name, for the message.
    date_format : str or None
        A ``strptime`` pattern; None reads ISO 8601.
    """
    text = value.strip()
    try:
        if date_format is not None:
            moment = datetime.strptime(text, date_format)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        expected = f"a date in the form {shown(date_format)}" if date_format else \
            "an ISO 8601 date (2019-03-01 or 2019-03-01T14:30:00); set dataset.date_format for another form"
        raise DataError(f"{where}: field {shown(field)} (dataset.date) is {shown(value)}, not {expected}") from None
    return iso(moment)


def filename_date(name: str, where: str) -> str:
    """The date a file name starts with (``2019-03-01-…`` or ``20190301…``); a DataError otherwise."""
    match = _FILENAME_DATE.match(name)
    if match:
        try:
            return iso(datetime(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            pass
    raise DataError(f"{where}: the file name {shown(name)} does not start with a date (YYYY-MM-DD or YYYYMMDD), "
                    "which dataset.dates: filename needs")


__all__ = ["filename_date", "iso", "parse_date"]
