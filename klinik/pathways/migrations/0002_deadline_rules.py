"""The law's deadline rules as rows (issue 14 item 4; shared domain README §3.6).

Rows carry their source. `valid_from` of the rows in force before 2023 is the date the
udredningsret and the 30-day udvidet frit sygehusvalg took effect (1 September 2013); the
temporary 60 days for somatic treatment covers referrals received 1 June 2023 – 31 December
2024. A later change of the law is a new row (a new `valid_from`), never an edit.
"""

from datetime import date

from django.db import migrations

SUM = "https://www.sum.dk/sundhed/patientrettigheder/frit-sygehusvalg-og-udredningsret"
SST = (
    "https://www.sst.dk/da/udgivelser/2024/"
    "maksimale-ventetider-ved-kraeft-og-hjertesygdom-trin-for-trin-vejledning"
)
LAW = "Sundhedsloven § 82 b (udredningsret)"
LAW_TREATMENT = "Sundhedsloven § 87 (udvidet frit sygehusvalg)"
CANCER = "Sundhedsstyrelsen: Maksimale ventetider ved kræft- og hjertesygdom, trin-for-trin (8.2.2024)"
START = date(2013, 9, 1)

# code, title, length, unit, valid_from, valid_to, applies_when, starts_from, met_by,
# task_title, brought_by, source_text, source_url
RULES = [
    ("udredningsret-besked", "Patienten har fået dato og sted for udredning", 8, "working",
     START, None, "any", "referral", "booking",
     "Giv patienten besked om dato og sted for udredning", "udredningsret,kraeft-udredning",
     LAW + ": besked inden 8 hverdage", SUM),
    ("udredningsret", "Udredning afsluttet (eller tilbudt andetsteds)", 30, "calendar",
     START, None, "any", "referral", "AFV01C,AFV01X3", "", "", LAW, SUM),
    ("behandlingsret", "Behandling startet eller udvidet frit valg tilbudt", 30, "calendar",
     START, None, "any", "referral", "AFV01F,AFV01X3", "", "", LAW_TREATMENT, SUM),
    ("behandlingsret", "Behandling startet eller udvidet frit valg tilbudt (somatik, midlertidigt 60 dage)",
     60, "calendar", date(2023, 6, 1), date(2024, 12, 31), "somatic", "referral",
     "AFV01F,AFV01X3", "", "", LAW_TREATMENT + ", akutplanen 2023: 60 dage for somatisk behandling", SUM),
    ("kraeft-udredning", "Kræft: udredning startet", 14, "calendar",
     START, None, "any", "referral", "AFV01B", "", "", CANCER, SST),
    ("kraeft-henvist-behandling", "Kræft: behandling startet (henvist til behandling)", 28, "calendar",
     START, None, "any", "referral", "AFV01F", "", "", CANCER, SST),
    ("kraeft-behandling", "Kræft: behandling startet efter accepteret tilbud", 14, "calendar",
     START, None, "any", "AFV01C8", "AFV01F", "", "", CANCER, SST),
    ("hjerte-hovedstamme-henvist", "Hjerte, venstre hovedstammestenose: behandling startet (fra henvisning)",
     14, "calendar", START, None, "any", "referral", "AFV01F", "", "", CANCER, SST),
    ("hjerte-hovedstamme-behandling", "Hjerte, venstre hovedstammestenose: behandling startet (fra accept)",
     10, "calendar", START, None, "any", "AFV01C8", "AFV01F", "", "", CANCER, SST),
    ("hjerte-ustabil-angina-henvist", "Hjerte, ustabil angina: behandling startet (fra henvisning)",
     21, "calendar", START, None, "any", "referral", "AFV01F", "", "", CANCER, SST),
    ("hjerte-ustabil-angina-behandling", "Hjerte, ustabil angina: behandling startet (fra accept)",
     14, "calendar", START, None, "any", "AFV01C8", "AFV01F", "", "", CANCER, SST),
    ("hjerte-efter-ami-henvist", "Hjerte, efter akut myokardieinfarkt: behandling startet (fra henvisning)",
     35, "calendar", START, None, "any", "referral", "AFV01F", "", "", CANCER, SST),
    ("hjerte-efter-ami-behandling", "Hjerte, efter akut myokardieinfarkt: behandling startet (fra accept)",
     21, "calendar", START, None, "any", "AFV01C8", "AFV01F", "", "", CANCER, SST),
]  # fmt: skip

FIELDS = (
    "code", "title", "length", "day_unit", "valid_from", "valid_to", "applies_when",
    "starts_from", "met_by", "task_title", "brought_by", "source_text", "source_url",
)  # fmt: skip


def load(apps, schema_editor):
    rule = apps.get_model("pathways", "DeadlineRule")
    for row in RULES:
        fields = dict(zip(FIELDS, row, strict=True))
        rule.objects.update_or_create(
            code=fields["code"],
            applies_when=fields["applies_when"],
            valid_from=fields["valid_from"],
            defaults=fields,
        )


def unload(apps, schema_editor):
    apps.get_model("pathways", "DeadlineRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("pathways", "0001_referrals_pathways_deadlines_tasks")]
    operations = [migrations.RunPython(load, unload)]
