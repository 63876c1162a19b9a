"""The site's URLs plus Django's admin, which only the demo serves (config/urls.py)."""

from django.contrib import admin
from django.urls import path

from klinik.config.urls import urlpatterns as site

urlpatterns = [*site, path("django-admin/", admin.site.urls)]
