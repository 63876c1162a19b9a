"""What the record's models share: the foreign keys every row has (its organisation, its
patient, the people who wrote or changed it) and the append-only base of the journal.

A journal entry, once saved, is never changed or deleted (journalføringsbekendtgørelsen: the
original text stays readable). Corrections are new versions linked to the old one; signing adds
a JournalSignature row. Migration 0002 installs database triggers that refuse UPDATE (both
databases) and DELETE (PostgreSQL; SQLite's test flush deletes row by row) of entries and
signatures; `ImmutableModel` refuses them in the model layer on every database.
"""

from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from django.db import models

from klinik.records.errors import RecordImmutable

if TYPE_CHECKING:
    from klinik.core.models import Organisation, User
    from klinik.patients.models import Patient

_M = TypeVar("_M", bound=models.Model)


def organisation_field() -> "models.ForeignKey[Organisation, Organisation]":
    return models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )


def patient_field() -> "models.ForeignKey[Patient, Patient]":
    return models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )


@overload
def user_field() -> "models.ForeignKey[User, User]": ...
@overload
def user_field(*, null: Literal[True]) -> "models.ForeignKey[User | None, User | None]": ...
def user_field(*, null: bool = False) -> "models.ForeignKey[Any, Any]":
    return models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", null=null, blank=null
    )


class ImmutableQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: object) -> int:
        raise RecordImmutable

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RecordImmutable


class ImmutableModel(models.Model):
    """Rows are inserted once and never changed: the model layer refuses save() of an existing
    row, delete() and bulk update/delete; the database triggers back it up."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RecordImmutable
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RecordImmutable
