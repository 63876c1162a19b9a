"""Load the AMU course catalogue and the seed's four competences from klinik/staff/data/.

Later changes to the files reach existing databases through `klinik staff catalogue-load`.
"""

from django.db import migrations


def load(apps, schema_editor):
    # The readers import no models; the historical ones are passed in.
    from klinik.staff import catalogue

    catalogue.catalogue_apply(
        course_model=apps.get_model("staff", "Course"),
        competence_model=apps.get_model("staff", "Competence"),
        courses=catalogue.courses_read(),
        competences=catalogue.competences_read(),
    )


def unload(apps, schema_editor):
    apps.get_model("staff", "Competence").objects.filter(organisation=None).delete()
    apps.get_model("staff", "Course").objects.filter(organisation=None).delete()


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_staff_catalogue_competences_training_delegations")]

    operations = [migrations.RunPython(load, unload)]
