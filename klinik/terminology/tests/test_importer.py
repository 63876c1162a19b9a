"""SKScomplete.txt: fixed-width Latin-1 parsing, idempotent upserts, quarterly updates."""

from __future__ import annotations

import email.utils
import os
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from klinik.terminology.choices import CodeSource
from klinik.terminology.importer import sks_parse_line
from klinik.terminology.models import ImportRun, SKSCode
from klinik.terminology.selectors import code_lookup
from klinik.terminology.services import sks_import, sks_update, starter_load
from klinik.terminology.tests.conftest import CODES, NEXT, SAMPLE


def _line(register: str, code: str, start: str, changed: str, end: str, text: str) -> str:
    return f"{register:<3}{code:<20}{start:<8}{changed:<8}{end:<8}{text:<120}000004      SKS"


def _snapshot() -> list[tuple]:
    return list(
        SKSCode.objects.order_by("pk").values_list(
            "pk", "register", "code", "valid_from", "valid_to", "changed", "text", "level", "source"
        )
    )


def test_parse_line_reads_the_columns_of_the_fixed_width_format():
    raw = SAMPLE.read_bytes().splitlines()[1].decode("latin-1")
    row = sks_parse_line(raw, 2)
    assert (row.register, row.code, row.level) == ("dia", "DJ069", "000004")
    assert (row.valid_from, row.changed, row.valid_to) == (date(1994, 1, 1), date(2005, 1, 1), None)
    assert row.text == "Akut infektion i øvre luftveje UNS"


def test_sample_file_is_latin1_and_fixed_width():
    lines = SAMPLE.read_bytes().splitlines()
    assert len(lines) == 20
    assert all(len(line) == 182 for line in lines)
    assert "øvre".encode("latin-1") in lines[1]


def test_import_creates_one_row_per_code_version(clean):
    outcome = sks_import(path=SAMPLE)
    run = outcome.run
    assert (run.rows_read, run.rows_created, run.rows_updated, run.problems) == (20, 20, 0, 0)
    assert SKSCode.objects.filter(source=CodeSource.SKS).count() == 20
    djo69 = SKSCode.objects.get(code="DJ069")
    assert djo69.text == "Akut infektion i øvre luftveje UNS"
    assert djo69.valid_to is None
    retired = SKSCode.objects.get(code="DA022A")
    assert retired.valid_to == date(2011, 12, 31)
    assert set(SKSCode.objects.filter(code="KZXX01").values_list("register", flat=True)) == {
        "opr",
        "til",
    }
    assert SKSCode.objects.filter(code="DF329").count() == 2


def test_reimporting_the_same_file_changes_nothing(clean):
    sks_import(path=SAMPLE)
    before = _snapshot()
    run = sks_import(path=SAMPLE).run
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_deleted) == (20, 0, 0, 0)
    assert _snapshot() == before


def test_next_quarter_adds_versions_and_closes_old_ones(clean):
    sks_import(path=SAMPLE)
    run = sks_import(path=NEXT).run
    assert (run.rows_created, run.rows_updated, run.rows_closed) == (2, 1, 1)
    old, new = SKSCode.objects.filter(code="DJ069").order_by("valid_from")
    assert old.valid_to == date(2026, 3, 31)
    assert new.valid_from == date(2026, 4, 1) and new.valid_to is None
    assert code_lookup(code="DJ069", on=date(2026, 3, 31)).text == old.text
    assert code_lookup(code="DJ069", on=date(2026, 4, 1)).text == "Akut øvre luftvejsinfektion UNS"
    assert code_lookup(code="DU071", on=date(2026, 4, 1)) is not None
    assert code_lookup(code="DU071", on=date(2026, 3, 31)) is None
    # and the next import of that release is a no-op again
    before = _snapshot()
    sks_import(path=NEXT)
    assert _snapshot() == before


def test_malformed_lines_are_reported_with_line_numbers_and_skipped(clean, tmp_path):
    good = _line("dia", "DJ069", "19940101", "19940101", "25000101", "Akut infektion UNS")
    lines = [
        good,
        "dia DJ06 kort",
        _line("dia", "DJ189", "1994013X", "19940101", "25000101", "Pneumoni UNS"),
        _line("DIA", "DJ209", "19940101", "19940101", "25000101", "Akut bronkitis UNS"),
        _line("dia", "DJ209", "20000101", "19940101", "19990101", "Slutter før start"),
        "",
        good,
        _line("dia", "DR509", "19940101", "", "25000101", "Feber UNS"),
    ]
    path = tmp_path / "SKScomplete.txt"
    path.write_bytes("\n".join(lines).encode("latin-1"))
    outcome = sks_import(path=path)
    assert [p.split(":")[0] for p in outcome.problems] == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 7",
    ]
    assert "too short" in outcome.problems[0]
    assert "valid from '1994013X'" in outcome.problems[1]
    assert "register 'DIA'" in outcome.problems[2]
    assert "repeats line 1" in outcome.problems[4]
    assert sorted(SKSCode.objects.values_list("code", flat=True)) == ["DJ069", "DR509"]
    run = outcome.run
    assert run.problems == 5
    assert run.problem_sample.splitlines()[0].startswith("line 2: too short")


def test_import_replaces_starter_rows_with_the_official_versions(clean, write_tsv, tmp_path):
    starter_load(codes_path=write_tsv("codes.tsv", CODES), glossary_path=tmp_path / "none")
    assert SKSCode.objects.filter(source=CodeSource.STARTER).count() == 4
    run = sks_import(path=SAMPLE).run
    # DJ069 and DR509 have the starter's valid-from and are taken over; ALCA00 (valid from
    # 2019) replaces its starter row; DZ000 is not in the file and stays.
    assert run.rows_deleted == 1
    starter = SKSCode.objects.filter(source=CodeSource.STARTER)
    assert list(starter.values_list("code", flat=True)) == ["DZ000"]
    for code in ("DJ069", "DR509", "ALCA00"):
        assert list(SKSCode.objects.filter(code=code).values_list("source", flat=True)) == ["sks"]
    # Refreshing the starter set later does not bring the placeholders back.
    refresh = starter_load(codes_path=tmp_path / "codes.tsv", glossary_path=tmp_path / "none")
    assert (refresh.run.rows_created, refresh.run.rows_deleted) == (0, 0)
    assert SKSCode.objects.filter(code="ALCA00").count() == 1


def _serve(tmp_path: Path, served: Path, seen: list[str]) -> ThreadingHTTPServer:
    """A local HTTP server with If-Modified-Since support (no network involved)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            modified = email.utils.formatdate(served.stat().st_mtime, usegmt=True)
            since = self.headers.get("If-Modified-Since", "")
            seen.append(since)
            if since == modified:
                self.send_response(304)
                self.end_headers()
                return
            body = served.read_bytes()
            self.send_response(200)
            self.send_header("Last-Modified", modified)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_update_over_http_sends_if_modified_since_from_the_last_run(clean, tmp_path):
    served = tmp_path / "SKScomplete.txt"
    served.write_bytes(SAMPLE.read_bytes())
    seen: list[str] = []
    server = _serve(tmp_path, served, seen)
    url = f"http://127.0.0.1:{server.server_port}/sks/SKScomplete.txt"
    try:
        first = sks_update(url=url)
        assert first is not None and first.run.rows_created == 20
        assert first.run.source_url == url and first.run.file_name == "SKScomplete.txt"
        assert first.run.last_modified
        assert sks_update(url=url) is None  # 304
        assert seen == ["", first.run.last_modified]
        # The next quarter's file is published.
        served.write_bytes(NEXT.read_bytes())
        newer = served.stat().st_mtime + 120  # the file system's clock, not the suite's
        os.utime(served, (newer, newer))
        second = sks_update(url=url)
        assert second is not None and second.run.rows_created == 2
        assert sks_update(url=url, force=True).run.rows_created == 0
    finally:
        server.shutdown()
        server.server_close()


def test_update_from_a_file_url_or_path_skips_an_unchanged_file(clean, tmp_path):
    local = tmp_path / "SKScomplete.txt"
    local.write_bytes(SAMPLE.read_bytes())
    first = sks_update(url=local.as_uri())
    assert first is not None and first.run.rows_created == 20
    assert sks_update(url=str(local)) is None
    assert ImportRun.objects.count() == 1
    local.write_bytes(NEXT.read_bytes())
    newer = local.stat().st_mtime + 120  # the file system's clock, not the suite's
    os.utime(local, (newer, newer))
    second = sks_update(url=str(local))
    assert second is not None and second.run.rows_closed == 1


def test_update_refuses_other_url_schemes(clean):
    with pytest.raises(ValueError, match="Cannot download"):
        sks_update(url="ftp://example.invalid/SKScomplete.txt")
