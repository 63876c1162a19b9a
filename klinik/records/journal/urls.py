"""The journal's routes: the record page (timeline, contacts), the editor, signing and the
template and phrase administration. Patients and entries appear by public id only."""

from django.urls import path

from klinik.records.journal import editor, setup_views, views

urlpatterns = [
    path("patients/<uuid:public_id>/record/", views.record_journal_view, name="record_journal"),
    path(
        "patients/<uuid:public_id>/record/contacts/",
        views.record_contacts_view,
        name="record_contacts",
    ),
    path(
        "patients/<uuid:public_id>/record/contacts/<uuid:contact_id>/close/",
        views.record_contact_close_view,
        name="record_contact_close",
    ),
    path("patients/<uuid:public_id>/record/write/", editor.record_write_view, name="record_write"),
    path(
        "patients/<uuid:public_id>/record/draft/",
        editor.record_draft_save_view,
        name="record_draft_save",
    ),
    path(
        "patients/<uuid:public_id>/record/draft/<uuid:draft_id>/discard/",
        editor.record_draft_discard_view,
        name="record_draft_discard",
    ),
    path(
        "journal/<uuid:entry_id>/versions/",
        views.journal_entry_versions_view,
        name="journal_entry_versions",
    ),
    path("journal/<uuid:entry_id>/sign/", views.journal_entry_sign_view, name="journal_entry_sign"),
    path("journal/to-sign/", views.journal_to_sign_view, name="journal_to_sign"),
    path("journal/latin/", editor.journal_latin_view, name="journal_latin"),
    path("journal/templates/", setup_views.journal_templates_view, name="journal_templates"),
    path(
        "journal/templates/<uuid:template_id>/",
        setup_views.journal_template_edit_view,
        name="journal_template_edit",
    ),
    path("journal/phrases/", setup_views.journal_phrases_view, name="journal_phrases"),
    path(
        "journal/phrases/<int:phrase_id>/",
        setup_views.journal_phrase_edit_view,
        name="journal_phrase_edit",
    ),
]
