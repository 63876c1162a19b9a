"""The API's JSON: written by pydantic-core's serializer rather than the standard library's
encoder, which calls back into Python for every UUID and time in a response (a practitioner's
day has hundreds). The output is the same JSON but for three things no client should notice:
times keep their microseconds, non-ASCII letters are written as UTF-8 rather than escaped,
and there are no blanks between items. What pydantic-core does not know (lazy translations,
models) is handed to ninja's own encoder."""

from __future__ import annotations

from typing import Any

import pydantic_core
from django.http import HttpRequest
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

_fallback = NinjaJSONEncoder().default


class FastJSONRenderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return pydantic_core.to_json(data, fallback=_fallback)
