"""Structured logs: one JSON object per line, with personal data redacted as a safety net.

Code logs ids (public UUIDs), never names or CPR numbers; the filter catches mistakes.
"""

import json
import logging
import re
from datetime import UTC, datetime

# A CPR number with or without the dash, standing on its own (not ten digits inside a UUID's
# hex, which a message's public id may hold), an e-mail address, a query string.
_CPR = re.compile(r"(?<![0-9A-Za-z])\d{6}-?\d{4}(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_QUERY = re.compile(r"\?\S*")


def redact(text: str) -> str:
    text = _CPR.sub("[cpr]", text)
    text = _EMAIL.sub("[email]", text)
    return _QUERY.sub("?[redacted]", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            if status is not None and status < 500:
                # A refusal (403, 400) is the application answering as meant, not a fault: one
                # line naming the exception, no traceback.
                error = record.exc_info[1]
                entry["error"] = type(error).__name__ if error is not None else ""
            else:
                entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
