from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from klinik.core.models import Community, Membership, Organisation, Unit, User

admin.site.register(User, UserAdmin)
admin.site.register(Community)
admin.site.register(Organisation)
admin.site.register(Unit)
admin.site.register(Membership)
