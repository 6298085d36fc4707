"""Forms of the prevention supplies pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.forms import OnceForm
from shequ.stock.models import Item, Store

ACTIONS = ("receive", "issue", "transfer", "minimum")


class MovementForm(OnceForm):
    """A receipt, an issue, a transfer or a minimum: the page's one form, its button names which."""

    item = forms.TypedChoiceField(label=pgettext_lazy("stock", "item"), coerce=int)
    store = forms.TypedChoiceField(label=_("store"), coerce=int)
    target = forms.TypedChoiceField(label=_("move to (transfers)"), coerce=int, required=False, empty_value=None)
    quantity = forms.IntegerField(label=_("quantity"), min_value=0, max_value=10_000_000)
    taken_by = forms.CharField(label=_("taken by (issues)"), max_length=60, required=False)
    post = forms.CharField(label=_("for the post (issues)"), max_length=100, required=False,
                           help_text=_("North gate, night shift; sampling point..."))
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args: Any, items: list[Item], stores: list[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, f"{i.name} ({i.unit})") for i in items]  # type: ignore[attr-defined]
        store_choices = [(s.pk, s.name) for s in stores]
        self.fields["store"].choices = store_choices  # type: ignore[attr-defined]
        self.fields["target"].choices = [("", "-"), *store_choices]  # type: ignore[attr-defined]


class ItemForm(OnceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=Item.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("N95 masks, medical gloves..."))
    unit = forms.CharField(label=_("unit"), max_length=10, initial="个")


class StoreForm(OnceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=Store.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("Community warehouse; north gate..."))
