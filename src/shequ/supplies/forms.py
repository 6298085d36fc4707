"""Forms of the supplies pages. Items are edited as text, one per line: ``面粉 5 斤``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import OnceForm
from shequ.core.text import normalize
from shequ.supplies.models import Kind, Order, Shop
from shequ.supplies.parser import Item, number_json

ORDER_KINDS = [(k, label) for k, label in Kind.choices if k in (Kind.ORDER, Kind.MEDICINE, Kind.ERRAND)]


def items_text(items: list[dict[str, Any]] | list[Item]) -> str:
    """Items -> the text of the items box: ``面粉 5 斤`` per line."""
    lines = []
    for item in items:
        row = item.as_json() if isinstance(item, Item) else item
        parts = [row["name"], "" if row.get("quantity") is None else str(number_json(Decimal(str(row["quantity"]))))]
        lines.append(" ".join(p for p in (*parts, row.get("unit") or "") if p))
    return "\n".join(lines)


def parse_items_text(text: str) -> list[dict[str, Any]]:
    """The items box -> items: ``name [quantity [unit]]`` per line; a line is never dropped."""
    items = []
    for line in (text or "").splitlines():
        words = normalize(line).split(" ")
        if not words or not words[0]:
            continue
        name, quantity, unit = words[0], None, ""
        rest = words[1:]
        if rest:
            try:
                quantity = str(Decimal(rest[0]))
                rest = rest[1:]
            except ArithmeticError:
                quantity = None
        if rest and quantity is not None:
            unit = rest[0]
            rest = rest[1:]
        if rest or (words[1:] and quantity is None):
            name = " ".join([name, *(words[1:] if quantity is None else rest)])
        items.append({"name": name, "quantity": quantity, "unit": unit})
    return items


class PasteForm(OnceForm):
    community = forms.TypedChoiceField(label=_("community"), coerce=int)
    compound = forms.TypedChoiceField(label=_("compound of the group"), coerce=int, required=False, empty_value=None,
                                      help_text=_("Where the group's households live: an address without a "
                                                  "compound is looked up there."))
    paste = forms.CharField(
        label=_("Messages"), widget=forms.Textarea(attrs={"rows": 12}), max_length=200_000,
        help_text=_("Copy the messages from the building's WeChat group and paste them here: one message "
                    "per line (nickname: text), or a nickname line followed by its text."))

    def __init__(self, *args: Any, communities: list[tuple[int, str]], compounds: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = communities  # type: ignore[attr-defined]
        self.fields["compound"].choices = [("", "-"), *compounds]  # type: ignore[attr-defined]
        if len(communities) == 1:
            self.fields["community"].widget = forms.HiddenInput()
            self.initial.setdefault("community", communities[0][0])


    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("compound") is not None and data["compound"] not in self.compound_communities.get(
                int(data.get("community") or 0), set()):
            self.add_error("compound", _("This compound is not in the community."))
        return data

    compound_communities: dict[int, set[int]] = {}


class ReviewForm(OnceForm):
    """The reading of one message, as staff correct it."""

    address = forms.CharField(label=_("address"), max_length=60,
                              help_text=_("Building-unit-room, for example 9-2-502, or 富通小区9-2-502."))
    kind = forms.ChoiceField(label=_("kind"), choices=ORDER_KINDS)
    urgent = forms.BooleanField(label=_("urgent"), required=False)
    items = forms.CharField(label=_("items"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                            max_length=5000, help_text=_("One per line: name, quantity, unit (面粉 5 斤)."))

    def clean_items(self) -> list[dict[str, Any]]:
        return parse_items_text(self.cleaned_data.get("items", ""))


class OrderForm(OnceForm):
    """A phone order or a resident's own order."""

    kind = forms.ChoiceField(label=_("kind"), choices=ORDER_KINDS)
    urgent = forms.BooleanField(label=_("urgent"), required=False)
    items = forms.CharField(label=_("items"), widget=forms.Textarea(attrs={"rows": 5}), required=False,
                            max_length=5000, help_text=_("One per line: name, quantity, unit (面粉 5 斤)."))
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    payment = forms.ChoiceField(label=_("payment"), choices=[("", "-"), *Order.Payment.choices], required=False,
                                help_text=_("Free: low-income households, government packs."))

    def __init__(self, *args: Any, packages: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.packages = list(packages)
        for p in self.packages:
            self.fields[f"package_{p.pk}"] = forms.IntegerField(
                label=f"{p.name} (¥{p.price})", required=False, min_value=0, max_value=99,
                help_text=p.contents[:120])

    def clean_items(self) -> list[dict[str, Any]]:
        return parse_items_text(self.cleaned_data.get("items", ""))

    def order_items(self) -> list[dict[str, Any]]:
        items = list(self.cleaned_data["items"])
        for p in self.packages:
            n = self.cleaned_data.get(f"package_{p.pk}")
            if n:
                items.append({"name": p.name, "quantity": n, "unit": "份"})
        return items


class ShopForm(OnceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Shop.Kind.choices)
    contact = forms.CharField(label=_("contact"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)


class PackageForm(OnceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    contents = forms.CharField(label=_("contents"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    price = forms.DecimalField(label=_("price"), min_value=0, max_digits=10, decimal_places=2)
    shop = forms.TypedChoiceField(label=_("shop"), coerce=int, required=False, empty_value=None)


class DistributionForm(OnceForm):
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("For example: 政府保供包 第3批"))
    contents = forms.CharField(label=_("contents"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                               required=False)
    compound = forms.TypedChoiceField(label=_("compound"), coerce=int, required=False, empty_value=None,
                                      help_text=_("Empty: every household of the community."))


class CodeForm(OnceForm):
    code = forms.CharField(label=_("receipt code"), max_length=6, required=False,
                           help_text=_("The code the resident reads out over the phone."))


class AdvanceForm(OnceForm):
    to = forms.ChoiceField(choices=[(s, s) for s in Order.Status.values])
