"""Forms of the staff administration screens."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klinik.core.choices import Role
from klinik.core.datefields import DanishDateField
from klinik.core.models import Unit
from klinik.staff.choices import Level, Profession, TrainingStatus

# (value, label) pairs for a role field: the roles the acting user may give.
RoleChoices = list[tuple[str, str | Promise]]


class StaffAddForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.SlugField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. The person should change it at first login."),
    )

    def __init__(
        self, *args: Any, units: QuerySet[Unit], roles: RoleChoices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        role = self.fields["role"]
        assert isinstance(unit, forms.ModelChoiceField) and isinstance(role, forms.ChoiceField)
        unit.queryset = units
        role.choices = roles


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, roles: RoleChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = roles


class PersonCompetenceForm(forms.Form):
    competence = forms.ChoiceField(label=_("Competence"))
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    assessed_on = DanishDateField(label=_("Assessed on"))
    expires_on = DanishDateField(label=_("Expires on"), required=False)
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example a course certificate, an observation or a test."),
    )

    def __init__(self, *args: Any, competences: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competence"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = competences


class TrainingForm(forms.Form):
    course = forms.ChoiceField(label=_("Course"))
    status = forms.ChoiceField(label=_("Status"), choices=TrainingStatus.choices[:2])
    starts_on = DanishDateField(label=_("Start"))
    completed_on = DanishDateField(label=_("Completed on"), required=False)
    expires_on = DanishDateField(
        label=_("Expires on"), required=False, help_text=_("For courses that must be renewed.")
    )
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    certificate = forms.FileField(label=_("Certificate"), required=False)

    def __init__(self, *args: Any, courses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["course"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = courses


class MatrixFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class ProfileForm(forms.Form):
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    education = forms.CharField(label=_("Education"), max_length=200, required=False)
    authorisation_id = forms.CharField(
        label=_("Authorisation id"),
        max_length=20,
        required=False,
        help_text=_("For authorised health professionals (the authorisation register)."),
    )
    employed_from = DanishDateField(label=_("Employed from"), required=False)
    employed_to = DanishDateField(label=_("Employed to"), required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("Optional. JPEG or PNG, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class CompetenceAddForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For example: May code DRG.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    tasks = forms.CharField(
        label=_("Tasks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One task a line."),
    )


class CourseAddForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=200)
    days = forms.DecimalField(
        label=_("Days"), max_digits=5, decimal_places=1, localize=True, min_value=0
    )
    level = forms.CharField(label=_("Level"), max_length=10, required=False)
    competences = forms.MultipleChoiceField(
        label=_("Builds the competences"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, competences: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competences"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = competences


# A photo on the profile: JPEG or PNG, at most PHOTO_MAX_MB.
PHOTO_MAX_MB = 2
