"""Forms of the notices pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.forms import OnceForm
from shequ.notices.models import Knock, Notice
from shequ.registry.models import Building, Community, Compound, Grid, Unit


class NoticeForm(OnceForm):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=Notice.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))
    signed = forms.CharField(label=_("Signed by"), max_length=100, required=False,
                             help_text=_("For example: 富通社区居委会. Empty: the community's name."))
    compounds = forms.TypedMultipleChoiceField(label=_("Compounds"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    buildings = forms.TypedMultipleChoiceField(label=_("Buildings"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    units = forms.TypedMultipleChoiceField(label=_("Units"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    grids = forms.TypedMultipleChoiceField(label=_("Grids"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("No place ticked: the whole community."))

    def __init__(self, *args: Any, communities: list[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        cast(forms.ChoiceField, self.fields["community"]).choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            self.fields["community"].widget = forms.HiddenInput()
            self.initial.setdefault("community", communities[0].pk)
        cast(forms.ChoiceField, self.fields["compounds"]).choices = [(c.pk, c.name) for c in Compound.objects.filter(
            community_id__in=ids).order_by("name")]
        cast(forms.ChoiceField, self.fields["buildings"]).choices = [(b.pk, f"{b.compound.name} {b}") for b in Building.objects.filter(
            community_id__in=ids).select_related("compound").order_by("compound__name", "sort_key")]
        cast(forms.ChoiceField, self.fields["units"]).choices = [(u.pk, f"{u.building.compound.name} {u.building} {u}") for u in Unit.objects.filter(
            community_id__in=ids).select_related("building__compound").order_by(
            "building__compound__name", "building__sort_key", "sort_key")]
        cast(forms.ChoiceField, self.fields["grids"]).choices = [(g.pk, g.name) for g in Grid.objects.filter(
            community_id__in=ids).order_by("number")]


class KnockForm(OnceForm):
    household = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(choices=Knock.Outcome.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class InPersonForm(OnceForm):
    address = forms.CharField(label=_("Room"), max_length=100, help_text=_("As residents write it: 富通小区9-2-502"))
    reason = forms.CharField(label=pgettext_lazy("in-person notice", "Reason"), max_length=200, required=False,
                             help_text=_("For example: no smartphone, cannot read"))
