"""The MedCom messages' choices: the national CareCommunication categories (terminology v1.0.1,
with MedCom's Danish designations), the message activities and the states of a message."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CareCategory(models.TextChoices):
    ALCOHOL_AND_DRUG_TREATMENT = "alcohol-and-drug-treatment", "Rusmiddelbehandling"
    ASSISTIVE_DEVICES = "assistive-devices", "Hjælpemidler"
    CARECOORDINATION = "carecoordination", "Forløbskoordinering"
    DECEASE = "decease", "Dødsfald"
    DISCHARGE = "discharge", "Udskrivelse"
    EXAMINATION_RESULTS = "examination-results", "Undersøgelsessvar"
    HEALTHCARE = "healthcare", "Sundhedspleje"
    HOME_CARE_ASSESSMENT = "home-care-assessment", "Visitation"
    MEDICINE = "medicine", "Medicin"
    NURSING = "nursing", "Sygepleje"
    OUTPATIENT = "outpatient", "Ambulant"
    PSYCHIATRY_SOCIAL_DISABILITY = "psychiatry-social-disability", "Psykiatri, social, handicap"
    REGARDING_REFERRAL = "regarding-referral", "Vedr. henvisning"
    TELEMEDICINE = "telemedicine", "Telemedicin"
    TRAINING = "training", "Træning"
    OTHER = "other", "Andet"


class MessageActivity(models.TextChoices):
    NEW = "new-message", _("New")
    REPLY = "reply-message", _("Reply")
    FORWARD = "forward-message", _("Forward")


class CareMessageKind(models.TextChoices):
    CARE_COMMUNICATION = "care", _("Correspondence message")
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement")


class Direction(models.TextChoices):
    OUT = "out", _("Sent")
    IN = "in", _("Received")


class CareMessageStatus(models.TextChoices):
    """Outgoing: ready, sent, acknowledged or failed. Incoming: received, or waiting for a
    secretary to find the patient."""

    READY = "ready", _("Ready")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FAILED = "failed", _("Failed")
    RECEIVED = "received", _("Received")
    UNMATCHED = "unmatched", _("Patient not found")


class PartnerKind(models.TextChoices):
    OWN = "own", _("Ourselves (sender)")
    GP = "gp", _("GP clinic")
    MUNICIPALITY = "municipality", _("Municipality")
    HOSPITAL = "hospital", _("Hospital unit")
    SPECIALIST = "specialist", _("Specialist")
    OTHER = "other", _("Other")
