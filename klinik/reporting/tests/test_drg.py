"""DRG values imported from the region (ADR 0033, docs/drg-import.md): the file's format with
its errors per line, the import in one transaction, a month re-imported replaces the month,
the console command, the screens (upload, preview, import), the values per unit and month
and per pathway, and two organisations (an id of the other is unknown; its pages are 404)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.reporting.drg.csvformat import drg_file_parse, tariff_parse
from klinik.reporting.drg.errors import DrgError
from klinik.reporting.drg.selectors import drg_pathway_values, drg_unit_table
from klinik.reporting.drg.services import drg_import, drg_preview
from klinik.reporting.models import DrgImport, DrgValue
from klinik.reporting.tests.drg_data import CPH, contact_make, csv_file, link, pathway_make

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=CPH)


@pytest.fixture
def drg_world(world, clock):
    clock.set(NOW)
    secretary = world.member(Role.SECRETARY)
    data = {
        "secretary": secretary,
        "actor": actor_from_membership(secretary),
        "c1": contact_make(world.unit_a, world.patient_a, datetime(2026, 10, 5, 9, tzinfo=CPH)),
        "c2": contact_make(world.unit_a, world.patient_a, datetime(2026, 10, 20, 9, tzinfo=CPH)),
        "c3": contact_make(world.unit_a2, world.patient_a2, datetime(2026, 10, 7, 9, tzinfo=CPH)),
        "p1": pathway_make(world.unit_a, world.patient_a, datetime(2026, 10, 1, 9, tzinfo=CPH)),
        "cb": contact_make(world.unit_b, world.patient_b, datetime(2026, 10, 5, 9, tzinfo=CPH)),
        "pb": pathway_make(world.unit_b, world.patient_b, datetime(2026, 10, 1, 9, tzinfo=CPH)),
    }
    link(data["p1"], data["c1"])
    return data


def _good(d) -> bytes:
    return csv_file(
        f"2026-10;kontakt;{d['c1'].public_id};;PG12A;1.234,50",
        f"2026-10;kontakt;{d['c2'].public_id};;BG50A;800",
        f"2026-10;kontakt;{d['c3'].public_id};04MA98;;12000.25",
        f"2026-10;forloeb;{d['p1'].public_id};17MP21;;45.000,00",
    )


# The format -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,50", Decimal("1234.50")),
        ("1234,5", Decimal("1234.5")),
        ("1234.50", Decimal("1234.50")),
        ("1.234", Decimal("1234")),
        ("0", Decimal("0")),
        ("12,345", None),
        ("-5", None),
        ("abc", None),
        ("", None),
    ],
)
def test_tariff_is_read_the_danish_way_or_with_a_point(text, amount):
    assert tariff_parse(text) == amount


def test_a_file_without_the_header_is_refused_as_a_whole():
    parsed = drg_file_parse(b"2026-10;kontakt;x;;PG12A;100\n")
    assert parsed.lines == []
    assert parsed.errors == [
        (1, "Første linje skal være overskriften periode;type;id;drg;dags;takst.")
    ]


def test_each_bad_line_gets_its_errors_with_its_number(drg_world):
    d = drg_world
    parsed = drg_file_parse(
        csv_file(
            f"2026-10;kontakt;{d['c1'].public_id};;PG12A;100",
            "2026-13;besøg;ikke-et-id;;;mange",
            f"2026-10;kontakt;{d['c2'].public_id};xx;;100",
            "2026-10;kontakt;for;få",
            f"2026-10;kontakt;{d['c1'].public_id};;PG12A;200",
        )
    )
    assert [ln.number for ln in parsed.lines] == [2]
    by_line: dict[int, list[str]] = {}
    for number, message in parsed.errors:
        by_line.setdefault(number, []).append(message)
    assert by_line[3] == [
        "Perioden skal være en måned skrevet ÅÅÅÅ-MM, fx 2026-11.",
        'Typen skal være "kontakt" eller "forloeb".',
        "Id'et er ikke et Klinik-id (et UUID).",
        "Angiv en DRG-gruppe eller en DAGS-gruppe.",
        "Taksten skal være et beløb i kroner, fx 1.234,50.",
    ]
    assert by_line[4] == ["DRG-gruppen XX er ikke en gruppekode."]
    assert by_line[5] == ["Linjen har 4 felter; der skal være 6."]
    assert by_line[6] == ["Id'et står allerede på linje 2 for samme måned."]


# The service ------------------------------------------------------------------------------


def test_a_good_file_is_imported_with_each_value_on_its_unit(drg_world, world):
    d = drg_world
    imported = drg_import(actor=d["actor"], file_name="drg-2026-10.csv", data=_good(d))
    assert imported.line_count == 4
    assert imported.total_tariff == Decimal("59034.75")
    assert imported.periods == ["2026-10-01"]
    values = {(v.contact_id, v.pathway_id): v for v in DrgValue.objects.all()}
    assert values[(d["c1"].pk, None)].unit_id == world.unit_a.pk
    assert values[(d["c1"].pk, None)].dags_group == "PG12A"
    assert values[(d["c3"].pk, None)].unit_id == world.unit_a2.pk
    assert values[(None, d["p1"].pk)].drg_group == "17MP21"
    assert values[(None, d["p1"].pk)].tariff == Decimal("45000.00")
    entry = AccessLogEntry.objects.get(object_type="drg_import")
    assert entry.object_id == str(imported.public_id)


def test_a_file_with_a_bad_line_imports_nothing(drg_world):
    d = drg_world
    data = csv_file(
        f"2026-10;kontakt;{d['c1'].public_id};;PG12A;100",
        f"2026-10;kontakt;{d['c2'].public_id};;PG12A;hundrede",
    )
    with pytest.raises(DrgError) as caught:
        drg_import(actor=d["actor"], file_name="f.csv", data=data)
    assert caught.value.line_errors == [(3, "Taksten skal være et beløb i kroner, fx 1.234,50.")]
    assert not DrgValue.objects.exists()
    assert not DrgImport.objects.exists()


def test_another_organisations_ids_are_unknown_lines(drg_world):
    d = drg_world
    data = csv_file(
        f"2026-10;kontakt;{d['cb'].public_id};;PG12A;100",
        f"2026-10;forloeb;{d['pb'].public_id};17MP21;;100",
        f"2026-10;forloeb;{d['c1'].public_id};17MP21;;100",  # a contact's id as a pathway
    )
    preview = drg_preview(actor=d["actor"], data=data)
    assert preview.errors == [
        (2, "Ingen kontakt med dette id i Klinik."),
        (3, "Intet forløb med dette id i Klinik."),
        (4, "Intet forløb med dette id i Klinik."),
    ]
    with pytest.raises(DrgError):
        drg_import(actor=d["actor"], file_name="f.csv", data=data)
    assert not DrgValue.objects.exists()


def test_reimporting_a_month_replaces_it_and_leaves_other_months(drg_world):
    d = drg_world
    drg_import(actor=d["actor"], file_name="okt.csv", data=_good(d))
    drg_import(
        actor=d["actor"],
        file_name="sep.csv",
        data=csv_file(f"2026-09;kontakt;{d['c1'].public_id};;PG12A;500"),
    )
    preview = drg_preview(
        actor=d["actor"], data=csv_file(f"2026-10;kontakt;{d['c2'].public_id};;BG50A;900")
    )
    assert preview.replaced == 4
    drg_import(
        actor=d["actor"],
        file_name="okt-rettet.csv",
        data=csv_file(f"2026-10;kontakt;{d['c2'].public_id};;BG50A;900"),
    )
    october = DrgValue.objects.filter(period=date(2026, 10, 1))
    assert [(v.contact_id, v.tariff) for v in october] == [(d["c2"].pk, Decimal("900.00"))]
    assert DrgValue.objects.filter(period=date(2026, 9, 1)).count() == 1
    assert DrgImport.objects.count() == 3  # the history of imports stays


def test_the_command_imports_a_file_and_lists_errors_by_line(drg_world, world, tmp_path):
    d = drg_world
    good = tmp_path / "drg.csv"
    good.write_bytes(_good(d))
    out = StringIO()
    call_command("drg", "import", str(good), "--org", world.org_a.slug, stdout=out)
    assert "4 DRG values imported for 2026-10" in out.getvalue()
    assert DrgValue.objects.count() == 4
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(f"2026-10;kontakt;{d['cb'].public_id};;PG12A;100"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("drg", "import", str(bad), "--org", world.org_a.slug, stderr=err)
    assert "line 2:" in err.getvalue()
    assert DrgValue.objects.count() == 4


# Values per unit and month, per pathway ----------------------------------------------------


def test_values_per_unit_and_month(drg_world, world):
    d = drg_world
    drg_import(actor=d["actor"], file_name="okt.csv", data=_good(d))
    drg_import(
        actor=d["actor"],
        file_name="nov.csv",
        data=csv_file(f"2026-11;kontakt;{d['c2'].public_id};;BG50A;100,50"),
    )
    table = drg_unit_table(
        actor=d["actor"],
        units=[world.unit_a, world.unit_a2, world.unit_b],
        first=date(2026, 1, 1),
        last=date(2026, 12, 31),
    )
    assert [r.unit for r in table.rows] == [world.unit_a, world.unit_a2]  # not B's unit
    a = table.rows[0]
    assert (a.months[9].count, a.months[9].total) == (3, Decimal("47034.50"))
    assert (a.months[10].count, a.months[10].total) == (1, Decimal("100.50"))
    assert a.months[0].count == 0
    assert table.rows[1].total == Decimal("12000.25")
    assert table.total == Decimal("59135.25")


def test_values_of_a_pathway_are_its_own_and_its_contacts(drg_world):
    d = drg_world
    drg_import(actor=d["actor"], file_name="okt.csv", data=_good(d))
    values = drg_pathway_values(pathway=d["p1"])
    assert [(v.source, v.tariff) for v in values.values] == [
        ("pathway", Decimal("45000.00")),
        ("contact", Decimal("1234.50")),
    ]
    assert values.total == Decimal("46234.50")


# Screens ----------------------------------------------------------------------------------


def test_upload_shows_the_errors_per_line_in_danish_and_writes_nothing(drg_world, login_as):
    d = drg_world
    client = login_as(d["secretary"])
    data = csv_file(
        f"2026-10;kontakt;{d['c1'].public_id};;PG12A;100",
        f"2026-10;kontakt;{d['cb'].public_id};;PG12A;100",
    )
    response = client.post(
        "/reports/drg/import/", {"file": SimpleUploadedFile("drg.csv", data, "text/csv")}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Ingen kontakt med dette id i Klinik." in body
    assert 'id="drg-confirm"' not in body
    assert not DrgValue.objects.exists()


def test_upload_preview_then_import(drg_world, login_as):
    d = drg_world
    client = login_as(d["secretary"])
    response = client.post(
        "/reports/drg/import/", {"file": SimpleUploadedFile("drg.csv", _good(d), "text/csv")}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="drg-preview-lines">4<' in body
    assert not DrgValue.objects.exists()  # a preview writes nothing
    content = response.context["confirm"].initial["content"]
    response = client.post(
        "/reports/drg/import/", {"content": content, "file_name": "drg.csv"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/reports/drg/"
    assert DrgValue.objects.count() == 4
    assert "4 DRG-værdier importeret" in response.content.decode()
    assert "59.034" in response.content.decode()


def test_pathway_values_page_and_404_for_another_organisation(drg_world, world, login_as):
    d = drg_world
    drg_import(actor=d["actor"], file_name="okt.csv", data=_good(d))
    client = login_as(d["secretary"])
    page = client.get(f"/pathways/{d['p1'].public_id}/").content.decode()
    assert f'href="/reports/drg/pathways/{d["p1"].public_id}/"' in page  # from the pathway
    response = client.get(f"/reports/drg/pathways/{d['p1'].public_id}/")
    assert response.status_code == 200
    assert "46.234,50" in response.content.decode()
    assert client.get(f"/reports/drg/pathways/{d['pb'].public_id}/").status_code == 404


def test_overview_of_organisation_b_shows_nothing_of_a(drg_world, world, login_as):
    d = drg_world
    drg_import(actor=d["actor"], file_name="okt.csv", data=_good(d))
    client = login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    body = client.get("/reports/drg/?year=2026").content.decode()
    assert world.unit_a.name not in body
    assert "okt.csv" not in body
    assert client.get("/reports/drg/?year=tyve").status_code == 422


def test_import_needs_the_permission(drg_world, world, login_as):
    client = login_as(world.member(Role.NURSE))
    assert client.get("/reports/drg/import/").status_code == 403
    assert client.get("/reports/drg/").status_code == 403
