"""Writes: SKS imports and updates, the starter set, the postal codes. Each records an
ImportRun, whose id tells every process that its search index is out of date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from django.db import transaction
from django.utils import timezone

from klinik.terminology import starter
from klinik.terminology.choices import RunKind
from klinik.terminology.importer import (
    PROBLEM_SAMPLE,
    SKS_URL,
    Problem,
    file_checksum,
    sks_download,
    sks_parse,
    sks_upsert,
)
from klinik.terminology.models import GlossaryTerm, ImportRun, PostalCode, SKSCode
from klinik.terminology.postal import (
    POSTAL_CODES_PATH,
    PostalCounts,
    postal_apply,
    postal_read,
)
from klinik.terminology.starter import (
    files_checksum,
    glossary_read,
    starter_apply,
    starter_codes_read,
)


@dataclass
class ImportOutcome:
    run: ImportRun
    problems: list[str] = field(default_factory=list)


def sks_import(
    *,
    path: Path,
    file_name: str = "",
    source_url: str = "",
    last_modified: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Import a SKScomplete.txt in one transaction. Malformed lines are reported with their
    line numbers and skipped; importing the same file again changes no code."""
    started = timezone.now()
    checksum = file_checksum(path)
    with path.open("rb") as stream, transaction.atomic(durable=True):
        counts, problems = sks_upsert(sks_parse(stream, progress=progress))
        run = ImportRun.objects.create(
            kind=RunKind.SKS,
            file_name=file_name or path.name,
            source_url=source_url,
            last_modified=last_modified,
            checksum=checksum,
            started_at=started,
            finished_at=timezone.now(),
            rows_read=counts.read,
            rows_created=counts.created,
            rows_updated=counts.updated,
            rows_closed=counts.closed,
            rows_deleted=counts.deleted,
            problems=len(problems),
            problem_sample=_sample(problems),
        )
    return ImportOutcome(run, [str(p) for p in problems])


def sks_update(
    *,
    url: str = SKS_URL,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome | None:
    """Download SKScomplete.txt unless it has not changed since the last downloaded import
    (If-Modified-Since with that run's Last-Modified), then import it. None: not modified."""
    last = (
        ImportRun.objects.filter(kind=RunKind.SKS)
        .exclude(last_modified="")
        .order_by("-pk")
        .values_list("last_modified", flat=True)
        .first()
    )
    download = sks_download(url=url, if_modified_since="" if force or not last else last)
    if download is None:
        return None
    try:
        return sks_import(
            path=download.path,
            file_name=PurePosixPath(urlparse(download.url).path).name or "SKScomplete.txt",
            source_url=download.url,
            last_modified=download.last_modified,
            progress=progress,
        )
    finally:
        download.path.unlink(missing_ok=True)


def starter_load(
    *,
    codes_path: Path | None = None,
    glossary_path: Path | None = None,
    if_changed: bool = False,
) -> ImportOutcome | None:
    """Load or refresh the starter codes and the glossary from their TSV files (default: the
    shipped ones; a missing file is skipped). With `if_changed`, None when the files equal
    those of the last run."""
    codes_path = codes_path or starter.STARTER_CODES_PATH
    glossary_path = glossary_path or starter.GLOSSARY_PATH
    checksum = files_checksum([codes_path, glossary_path])
    if if_changed:
        last = (
            ImportRun.objects.filter(kind=RunKind.STARTER)
            .order_by("-pk")
            .values_list("checksum", flat=True)
            .first()
        )
        if last == checksum:
            return None
    started = timezone.now()
    codes = starter_codes_read(codes_path) if codes_path.exists() else None
    terms = glossary_read(glossary_path) if glossary_path.exists() else None
    problems = [*(codes.problems if codes else []), *(terms.problems if terms else [])]
    names = ", ".join(p.name for p in (codes_path, glossary_path) if p.exists())
    with transaction.atomic(durable=True):
        counts = starter_apply(
            code_model=SKSCode,
            glossary_model=GlossaryTerm,
            codes=codes.rows if codes else None,
            terms=terms.rows if terms else None,
        )
        run = ImportRun.objects.create(
            kind=RunKind.STARTER,
            file_name=names or "(no files)",
            checksum=checksum,
            started_at=started,
            finished_at=timezone.now(),
            rows_read=counts.read,
            rows_created=counts.created,
            rows_updated=counts.updated,
            rows_deleted=counts.deleted,
            problems=len(problems),
            problem_sample="\n".join(problems[:PROBLEM_SAMPLE]),
        )
    return ImportOutcome(run, problems)


def postal_codes_load(
    *, path: Path | None = None, source_url: str = "", if_changed: bool = False
) -> ImportOutcome | None:
    """Make the postal-code table equal to a file (default: the shipped, dated table; or a
    newer PostNord CSV or DAWA JSON), recording the file, its source and its date. A file
    with problems is refused whole: the table is left as it was. With `if_changed`, None when
    the file equals the last one loaded."""
    path = path or POSTAL_CODES_PATH
    checksum = file_checksum(path)
    if if_changed:
        last = (
            ImportRun.objects.filter(kind=RunKind.POSTAL)
            .order_by("-pk")
            .values_list("checksum", flat=True)
            .first()
        )
        if last == checksum:
            return None
    started = timezone.now()
    read = postal_read(path)
    with transaction.atomic(durable=True):
        if read.problems:  # refused whole: the table stays as it was, the run says why
            counts = PostalCounts(read=len(read.codes))
        else:
            counts = postal_apply(model=PostalCode, codes=read.codes)
        run = ImportRun.objects.create(
            kind=RunKind.POSTAL,
            file_name=path.name,
            source_url=(source_url or read.source)[:500],
            source_date=read.source_date,
            checksum=checksum,
            started_at=started,
            finished_at=timezone.now(),
            rows_read=counts.read,
            rows_created=counts.created,
            rows_updated=counts.updated,
            rows_deleted=counts.deleted,
            problems=len(read.problems),
            problem_sample="\n".join(read.problems[:PROBLEM_SAMPLE]),
        )
    return ImportOutcome(run, read.problems)


def _sample(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems[:PROBLEM_SAMPLE])
