from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    VACCINE = "vaccine", _("Vaccine")
    MEDICINE = "medicine", _("Medicine for clinic use")
    CONSUMABLE = "consumable", _("Consumable")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Goods received")
    VACCINATION = "vaccination", _("Given (vaccination)")
    COUNT = "count", _("Stock count difference")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ORDERED = "ordered", _("Ordered")
    RECEIVED = "received", _("Received")
