"""Synthetic Danish people as database-ready tuples. Pure Python (no Django), so a worker
process can make them while the main process inserts (see generate.py)."""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing.queues import Queue
from typing import Any

from klinik.demo import names
from klinik.patients.search import name_tokens, sort_key, words_key
from klinik.patients.synthetic import synthetic_cpr

# Patient columns after id and organisation_id, before created_at and updated_at.
PERSON_COLUMNS = (
    "public_id", "unit_id", "status", "merged_into_id", "identifier_kind", "cpr", "birth_date",
    "sex", "given_name", "family_name", "address_line", "postal_code", "city", "country",
    "phone", "email", "preferred_channel", "language", "needs_interpreter", "gp_name",
    "gp_provider_number", "insurance_group", "consent_share_information", "consent_sms",
    "consent_email", "is_address_protected", "deceased_date", "reception_note",
    "is_restricted", "restriction_reason", "sort_name", "phone_digits",
)  # fmt: skip
# Relative columns after id and organisation_id (patient_id holds the person's batch index
# until the main process knows the patient's id), before created_at.
RELATIVE_COLUMNS = (
    "public_id", "patient_id", "name", "relation", "phone", "email", "may_be_informed",
    "is_primary_contact", "note",
)  # fmt: skip


class _Weighted:
    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


_FEMALE = _Weighted(names.FEMALE)
_MALE = _Weighted(names.MALE)
_MIDDLE_FEMALE = names.MIDDLE_FEMALE + names.MIDDLE_FAMILY
_MIDDLE_MALE = names.MIDDLE_MALE + names.MIDDLE_FAMILY
_FAMILY = _Weighted(names.FAMILY)
_LANGUAGE = _Weighted(names.LANGUAGES)
_FOLD_INITIAL = str.maketrans({"Æ": "A", "Ø": "O", "Å": "A"})
_EMAIL_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
_CHANNELS = ["sms", "sms", "digital_post", "email"]
_RELATIONS = ["spouse", "spouse", "child", "parent", "sibling", "other"]
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


@dataclass(frozen=True)
class Batch:
    people: list[tuple[Any, ...]]  # PERSON_COLUMNS
    tokens: list[tuple[int, str, str, str]]  # (person index, token, sort_name, words)
    relatives: list[tuple[Any, ...]]  # RELATIVE_COLUMNS, patient_id = person index


class PeopleMaker:
    """Makes batches of people; remembers the numbers it used so none repeats."""

    def __init__(
        self,
        *,
        seed: int,
        unit_ids: list[int | None],
        taken: set[str],
        today: date,
        native_uuid: bool,
        iso_dates: bool,
    ) -> None:
        self.rng = random.Random(seed)
        self.unit_ids = unit_ids
        self.taken = taken
        self.today = today
        self.native_uuid = native_uuid
        self.iso_dates = iso_dates

    def _uuid(self) -> Any:
        value = (self.rng.getrandbits(128) & _V4_CLEAR) | _V4_SET
        return uuid.UUID(int=value) if self.native_uuid else f"{value:032x}"

    def _date(self, value: date | None) -> Any:
        return value.isoformat() if self.iso_dates and value is not None else value

    def batch(self, size: int) -> Batch:
        people: list[tuple[Any, ...]] = []
        tokens: list[tuple[int, str, str, str]] = []
        relatives: list[tuple[Any, ...]] = []
        for index in range(size):
            person, family, sort_name, person_tokens = self._person()
            people.append(person)
            words = words_key(person_tokens)
            tokens.extend((index, token, sort_name, words) for token in person_tokens)
            if self.rng.random() < 0.2:
                relatives.append(self._relative(index, family))
        # In the name-token index's order (token, name, patient): the database inserts a run
        # of neighbouring keys faster than keys scattered over the index (SQLite: -14%).
        tokens.sort(key=lambda row: (row[1], row[2], row[0]))
        return Batch(people, tokens, relatives)

    def _birth_date(self) -> date:
        # Ages skewed towards adults; a few over 100 so the rarer century digits appear.
        rng = self.rng
        roll = rng.random()
        if roll < 0.002:
            age_days = rng.randrange(365 * 100, 365 * 108)
        elif roll < 0.18:
            age_days = rng.randrange(0, 365 * 18)
        else:
            age_days = rng.randrange(365 * 18, 365 * 95)
        return self.today - timedelta(days=age_days)

    def _number(self, birth: date, male: bool, given: str, family: str) -> tuple[str, str]:
        rng = self.rng
        while True:
            if rng.random() < 0.01:
                # A local replacement number (D-eCPR): century digit, initials, gender digit.
                digit7 = "0" if birth.year < 2000 else "6"
                letters = (family[0] + given[0]).upper().translate(_FOLD_INITIAL)
                letters = "".join(ch if "A" <= ch <= "Z" else "X" for ch in letters)
                gender = rng.choice("13579" if male else "02468")
                number, kind = birth.strftime("%d%m%y") + digit7 + letters + gender, "d_ecpr"
            else:
                number, kind = synthetic_cpr(birth, male=male, rng=rng), "cpr"
            if number not in self.taken:
                self.taken.add(number)
                return number, kind
            birth = birth - timedelta(days=1)

    def _person(self) -> tuple[tuple[Any, ...], str, str, frozenset[str]]:
        rng = self.rng
        random_ = rng.random
        male = random_() < 0.49
        given = (_MALE if male else _FEMALE).pick(rng)
        if random_() < 0.3:
            given += " " + rng.choice(_MIDDLE_MALE if male else _MIDDLE_FEMALE)
        family = _FAMILY.pick(rng)
        if random_() < 0.08:
            family = f"{_FAMILY.pick(rng)}-{family}"
        birth = self._birth_date()
        number, kind = self._number(birth, male, given, family)
        postal, city = rng.choice(names.CITIES)
        phone = f"{rng.choice('2345678')}{rng.randrange(10_000_000):07d}" if random_() < 0.9 else ""
        email = ""
        if random_() < 0.6:
            local = f"{given.split()[0]}.{family.split('-')[0]}{rng.randrange(100)}".lower()
            email = local.translate(_EMAIL_FOLD) + "@example.dk"
        gp_name, gp_number = rng.choice(names.GPS)
        deceased = None
        if random_() < 0.01:
            deceased = max(self.today - timedelta(days=rng.randrange(1, 3650)), birth)
        language = _LANGUAGE.pick(rng)
        sort_name = sort_key(given, family)
        row = (
            self._uuid(),
            rng.choice(self.unit_ids),
            "active",
            None,
            kind,
            number,
            self._date(birth),
            "male" if male else "female",
            given,
            family,
            f"{rng.choice(names.STREETS)} {rng.randrange(1, 140)}",
            postal,
            city,
            "DK",
            phone,
            email,
            rng.choice(_CHANNELS),
            language,
            language != "da" and random_() < 0.5,
            gp_name,
            gp_number,
            2 if random_() < 0.02 else 1,
            random_() < 0.8,
            bool(phone) and random_() < 0.85,
            bool(email) and random_() < 0.6,
            random_() < 0.01,
            self._date(deceased),
            "",
            False,
            "",
            sort_name,
            phone,  # generated numbers are eight plain digits: the search key is the number
        )
        return row, family, sort_name, name_tokens(given, family)

    def _relative(self, index: int, family: str) -> tuple[Any, ...]:
        rng = self.rng
        relation = rng.choice(_RELATIONS)
        first = (_MALE if rng.random() < 0.5 else _FEMALE).pick(rng)
        last = family if relation != "other" else _FAMILY.pick(rng)
        return (
            self._uuid(),
            index,
            f"{first} {last}",
            relation,
            f"{rng.choice('2345678')}{rng.randrange(10_000_000):07d}",
            "",
            rng.random() < 0.7,
            rng.random() < 0.5,
            "",
        )


def produce(queue: Queue[Batch | None], sizes: list[int], maker_kwargs: dict[str, Any]) -> None:
    """Worker process: make one batch per size and hand it over; None ends the stream."""
    maker = PeopleMaker(**maker_kwargs)
    for size in sizes:
        queue.put(maker.batch(size))
    queue.put(None)
