"""Load the starter codes and the glossary, so that a fresh database works offline.

Reads klinik/terminology/data/{starter_codes,glossary}.tsv; a missing file is skipped and the
migration still succeeds. Later changes to the files reach existing databases through
`klinik terminology starter` (see docs/adr/0007-terminology-starter.md).
"""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    # The readers and `starter_apply` import no models; the historical ones are passed in.
    from klinik.terminology import starter

    codes_path, glossary_path = starter.STARTER_CODES_PATH, starter.GLOSSARY_PATH
    if not (codes_path.exists() or glossary_path.exists()):
        return
    codes = starter.starter_codes_read(codes_path) if codes_path.exists() else None
    terms = starter.glossary_read(glossary_path) if glossary_path.exists() else None
    started = timezone.now()
    counts = starter.starter_apply(
        code_model=apps.get_model("terminology", "SKSCode"),
        glossary_model=apps.get_model("terminology", "GlossaryTerm"),
        codes=codes.rows if codes else None,
        terms=terms.rows if terms else None,
    )
    problems = [*(codes.problems if codes else []), *(terms.problems if terms else [])]
    apps.get_model("terminology", "ImportRun").objects.create(
        kind="starter",
        file_name=", ".join(p.name for p in (codes_path, glossary_path) if p.exists()),
        checksum=starter.files_checksum([codes_path, glossary_path]),
        started_at=started,
        finished_at=timezone.now(),
        rows_read=counts.read,
        rows_created=counts.created,
        rows_updated=counts.updated,
        rows_deleted=counts.deleted,
        problems=len(problems),
        problem_sample="\n".join(problems[:50]),
    )


def unload(apps, schema_editor):
    apps.get_model("terminology", "SKSCode").objects.filter(source="starter").delete()
    apps.get_model("terminology", "GlossaryTerm").objects.all().delete()
    apps.get_model("terminology", "ImportRun").objects.filter(kind="starter").delete()


class Migration(migrations.Migration):
    dependencies = [("terminology", "0001_codes_glossary_imports")]

    operations = [migrations.RunPython(load, unload)]
