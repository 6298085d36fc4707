from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import Role
from shequ.accounts.services import invite_normalize, one_time_password_expired
from shequ.core.forms import OnceForm
from shequ.registry.models import Community, Grid, PropertyCompany, Street


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("This account is disabled."),
        "expired": _("This one-time password has expired. Ask the community office for a new one."),
    }
    field_phone = forms.BooleanField(
        label=_("This phone stays at my post (a gate or a sampling point): keep me signed in for the shift"),
        required=False)

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if one_time_password_expired(user):
            raise ValidationError(self.error_messages["expired"], code="expired")


class SetupForm(forms.Form):
    """The first run: the street office, the first community and its secretary."""

    street_name = forms.CharField(label=_("street office"), max_length=100,
                                  help_text=_("For example 新华街道"))
    street_code = forms.SlugField(label=_("street code"), max_length=40,
                                  help_text=_("Letters, digits and hyphens, for example xinhua"))
    name = forms.CharField(label=_("community"), max_length=100, help_text=_("For example 富通社区"))
    code = forms.SlugField(label=_("community code"), max_length=40,
                           help_text=_("Letters, digits and hyphens, for example futong"))
    secretary_name = forms.CharField(label=_("secretary's name"), max_length=150)
    secretary_phone = forms.CharField(label=_("secretary's phone"), max_length=30, required=False)
    secretary_username = forms.CharField(label=_("secretary's username"), max_length=150, required=False,
                                         help_text=_("Leave empty to use the phone number"))
    setup_code = forms.CharField(label=_("setup code"), max_length=40, required=False,
                                 help_text=_("Printed by the command shequ setup --code on the server"))


def _role_choices(roles: frozenset[str]) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in Role.choices if value in roles]


class MemberLinksForm(OnceForm):
    """A role and what it is tied to (grid, property company, household)."""

    role = forms.ChoiceField(label=_("role"))
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.none(), required=False,
                                  help_text=_("For a grid worker"))
    property_company = forms.ModelChoiceField(label=_("property company"), queryset=PropertyCompany.objects.none(),
                                              required=False, help_text=_("For a property company account"))
    address = forms.CharField(label=_("household address"), max_length=100, required=False,
                              help_text=_("For a resident, for example 9-2-502"))

    def __init__(self, *args: Any, community: Community, roles: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        cast(forms.ChoiceField, self.fields["role"]).choices = _role_choices(roles)
        cast("forms.ModelChoiceField[Any]", self.fields["grid"]).queryset = Grid.objects.filter(community=community).order_by("number")
        cast("forms.ModelChoiceField[Any]", self.fields["property_company"]).queryset = PropertyCompany.objects.filter(community=community).order_by("name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") == Role.RESIDENT and not data.get("address"):
            self.add_error("address", _("A resident needs the address of their household."))
        return data


class MemberForm(MemberLinksForm):
    name = forms.CharField(label=_("name"), max_length=150)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    username = forms.CharField(label=_("username"), max_length=150, required=False,
                               help_text=_("Leave empty to use the phone number (or the name's pinyin)"))
    field_order = ["name", "phone", "role", "grid", "property_company", "address", "username"]


class CommunityChoiceForm(forms.Form):
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.none(), required=False)

    def __init__(self, *args: Any, communities: list[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["community"]).queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        if len(communities) < 2:
            self.fields["community"].widget = forms.HiddenInput()


class MembersImportForm(CommunityChoiceForm):
    file = forms.FileField(label=_("list of people (.xlsx or .csv)"),
                           help_text=_("Columns 姓名 / name and 角色 / role; optional 手机号 / phone, 用户名 / username, "
                                       "网格 / grid (its number or name), 物业 / property company"))


class CommunityForm(forms.Form):
    """The street office adds a community and its secretary."""

    street = forms.ModelChoiceField(label=_("street office"), queryset=Street.objects.none())
    name = forms.CharField(label=_("community"), max_length=100)
    code = forms.SlugField(label=_("community code"), max_length=40,
                           help_text=_("Letters, digits and hyphens, for example futong"))
    secretary_name = forms.CharField(label=_("secretary's name"), max_length=150)
    secretary_phone = forms.CharField(label=_("secretary's phone"), max_length=30, required=False)
    secretary_username = forms.CharField(label=_("secretary's username"), max_length=150, required=False,
                                         help_text=_("Leave empty to use the phone number"))

    def __init__(self, *args: Any, streets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["street"]).queryset = streets
        if streets.count() == 1:
            self.fields["street"].initial = streets.first()
            self.fields["street"].widget = forms.HiddenInput()


class InviteForm(CommunityChoiceForm):
    address = forms.CharField(label=_("household address"), max_length=100,
                              help_text=_("For example 9-2-502 or 富通小区9-2-502"))


class JoinForm(forms.Form):
    code = forms.CharField(label=_("invite code"), max_length=20,
                           help_text=_("8 characters, on the notice or the pass card"))
    name = forms.CharField(label=_("name"), max_length=60,
                           help_text=_("As the community registered it"))
    digits = forms.CharField(label=_("last four digits of the ID number or the phone number"), max_length=8)
    family = forms.BooleanField(label=_("I am a relative living elsewhere: the name above is my family member's"),
                                required=False)
    username = forms.CharField(label=_("username"), max_length=150, required=False,
                               help_text=_("Leave empty and one is chosen for you"))
    phone = forms.CharField(label=_("my phone"), max_length=30, required=False)
    password1 = forms.CharField(label=_("password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("password again"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_code(self) -> str:
        return invite_normalize(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
