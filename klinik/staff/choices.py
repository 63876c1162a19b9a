from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """A person's level in a competence (issue 17: begynder, rutineret, erfaren, ekspert)."""

    BEGINNER = "beginner", _("Beginner")
    ROUTINED = "routined", _("Routined")
    EXPERIENCED = "experienced", _("Experienced")
    EXPERT = "expert", _("Expert")
