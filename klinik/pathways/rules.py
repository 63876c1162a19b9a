"""Reading the deadline rules: which row of a rule applies to a referral (by the day it was
received and its kind), and which rules a referral's rights bring along."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from klinik.pathways.choices import AppliesWhen, ClinicalArea
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.models import DeadlineRule


def rules_all() -> list[DeadlineRule]:
    """The whole table, every version, for `GET /api/v1/deadline-rules` and the screens."""
    return list(DeadlineRule.objects.order_by("code", "applies_when", "valid_from"))


def _valid_on(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def _pick(rows: list[DeadlineRule], area: str) -> DeadlineRule | None:
    """The row for the referral's kind, else the row for all referrals."""
    specific = [r for r in rows if r.applies_when == area]
    general = [r for r in rows if r.applies_when == AppliesWhen.ANY]
    chosen = specific or general
    return max(chosen, key=lambda r: r.valid_from) if chosen else None


def rule_for(code: str, *, received: date, area: str = ClinicalArea.SOMATIC) -> DeadlineRule:
    """The version of rule `code` for a referral received on `received`; a DomainError naming
    `rule` when there is none."""
    rows = list(DeadlineRule.objects.filter(_valid_on(received), code=code))
    found = _pick(rows, area)
    if found is None:
        raise PathwayError(
            PathwayCode.UNKNOWN_RULE, PathwayError.UNKNOWN_RULE % {"code": code}, field="rule"
        )
    return found


def rules_for_rights(
    rights: list[str], *, received: date, area: str, field: str = "rights"
) -> list[DeadlineRule]:
    """The rules a referral's rights start: each right's own row, and the rows the rights bring
    along (udredningsret brings udredningsret-besked). Unknown codes: a DomainError at `field`."""
    valid = list(DeadlineRule.objects.filter(_valid_on(received)))
    by_code: dict[str, list[DeadlineRule]] = {}
    for row in valid:
        by_code.setdefault(row.code, []).append(row)
    chosen: dict[str, DeadlineRule] = {}
    for code in rights:
        picked = _pick(by_code.get(code, []), area)
        if picked is None:
            raise PathwayError(
                PathwayCode.UNKNOWN_RULE, PathwayError.UNKNOWN_RULE % {"code": code}, field=field
            )
        chosen[code] = picked
    for code, rows in by_code.items():
        if code in chosen:
            continue
        picked = _pick(rows, area)
        if picked is not None and set(picked.brought_by.split(",")) & set(rights):
            chosen[code] = picked
    return sorted(chosen.values(), key=lambda r: (r.length, r.code))
