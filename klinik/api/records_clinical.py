"""REST endpoints of the record. Parse, call a service or selector, serialise."""

from ninja import Router

router = Router(tags=["records"])
