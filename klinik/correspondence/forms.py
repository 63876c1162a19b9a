from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField
from klinik.correspondence.choices import MessageChannel, MessageKind, MessageReason, MessageStatus

_ALL = [("", _("All"))]


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=_ALL + MessageStatus.choices, required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_ALL + MessageChannel.choices, required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=_ALL + MessageKind.choices, required=False)
    reason = forms.ChoiceField(
        label=_("Why not sent"), choices=_ALL + MessageReason.choices, required=False
    )
    day = DanishDateField(label=_("Day"), required=False)
