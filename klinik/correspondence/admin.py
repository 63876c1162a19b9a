from django.contrib import admin

from klinik.correspondence.models import MessageTemplate

# The outbox itself is not here: its texts are patient data, read through the logged screen.
admin.site.register(MessageTemplate)
