from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeSource(models.TextChoices):
    SKS = "sks", _("SKS import")
    STARTER = "starter", _("Starter set")


class RunKind(models.TextChoices):
    SKS = "sks", _("SKS import")
    STARTER = "starter", _("Starter set and glossary")
    POSTAL = "postal", _("Postal codes")


class HitKind(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    PROCEDURE = "procedure", _("Procedure")
    OTHER_CODE = "other code", _("Other code")
    TERM = "term", _("Term")


# SKScomplete registers whose codes are diagnoses or procedures; every other register
# (adm, til, atc, res, spc, uly, …) holds "other codes".
DIAGNOSIS_REGISTERS = frozenset({"dia"})
PROCEDURE_REGISTERS = frozenset({"opr", "pro", "und"})


def kind_of_register(register: str) -> HitKind:
    if register in DIAGNOSIS_REGISTERS:
        return HitKind.DIAGNOSIS
    if register in PROCEDURE_REGISTERS:
        return HitKind.PROCEDURE
    return HitKind.OTHER_CODE


# When one code sits in several registers (KZ… in opr and til), the one a clinician means.
REGISTER_ORDER = ("dia", "opr", "pro", "und")
