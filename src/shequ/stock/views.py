"""Prevention supplies pages: the stock sheet (quantities, minimum, burn rate, days left, flags;
receipts, issues, transfers and minimums), its Excel, the ledger, items and stores.

Writes go through stock.services (audited) with a one-time key (core.forms.submit_once): a double
submit or a resubmission after "back" records one movement. Reads go through the user's Scope."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from shequ.audit.exports import export_record
from shequ.core import excel
from shequ.core.forms import submit_once
from shequ.core.scoping import require
from shequ.registry.models import Community
from shequ.stock import selectors, services
from shequ.stock.forms import ACTIONS, ItemForm, MovementForm, StoreForm


def _community(request: HttpRequest) -> Community | None:
    ids = sorted(request.scope.communities_where("stock.manage"))  # type: ignore[attr-defined]
    return Community.objects.filter(id__in=ids).order_by("code").first()


@require("stock.view")
def sheet(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    items, stores = list(selectors.item_list(scope)), list(selectors.store_list(scope))
    action = request.POST.get("action") if request.method == "POST" else None
    form = MovementForm(request.POST if action in ACTIONS else None, items=items, stores=stores)
    if action in ACTIONS and scope.can("stock.manage") and form.is_valid():
        d = form.cleaned_data
        item = next(i for i in items if i.pk == d["item"])
        store = next(s for s in stores if s.pk == d["store"])

        def act() -> str:
            common: dict[str, Any] = {"actor": request.user, "item": item, "request": request}
            if action == "receive":
                services.receive(store=store, quantity=d["quantity"], note=d["note"], **common)
            elif action == "issue":
                services.issue(store=store, quantity=d["quantity"], taken_by=d["taken_by"], post=d["post"],
                               note=d["note"], **common)
            elif action == "transfer":
                target = next((s for s in stores if s.pk == d["target"]), None)
                if target is None:
                    raise ValidationError({"target": _("Choose the store to move them to.")})
                services.transfer(source=store, target=target, quantity=d["quantity"], note=d["note"], **common)
            else:
                services.minimum_set(store=store, minimum=d["quantity"], **common)
            return reverse("stock:sheet")

        if (url := submit_once(request, act, form=form)) is not None:
            return redirect(url)
    elif action is not None and not scope.can("stock.manage"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return render(request, "stock/sheet.html", {
        "rows": selectors.sheet(scope, now=timezone.now()), "form": form, "has_items": bool(items and stores),
        "can_manage": scope.can("stock.manage")})


@require_GET
@require("stock.view")
def sheet_xlsx(request: HttpRequest) -> HttpResponse:
    rows = selectors.sheet(request.scope, now=timezone.now())  # type: ignore[attr-defined]
    body = [[r.stock.store.name, r.stock.item.name, r.stock.item.unit, r.stock.quantity, r.stock.minimum,
             float(r.rate.per_day), "" if r.days_left is None else float(r.days_left),
             _("below minimum") if r.below_minimum else _("running out") if r.running_out else ""] for r in rows]
    headers = [_("store"), pgettext("stock", "item"), _("unit"), _("quantity"), _("minimum"), _("used a day (last 7 days)"),
               _("days left"), _("flag")]
    content = excel.write_xlsx(headers, body, title=_("stock"))
    for community_id in request.scope.communities_where("stock.view"):  # type: ignore[attr-defined]
        export_record(actor=request.user, community=Community.objects.get(pk=community_id), what="stock sheet",
                      count=len(body), masking=None, request=request)
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="stock.xlsx"'
    return response


@require("stock.view")
def ledger(request: HttpRequest) -> HttpResponse:
    return render(request, "stock/ledger.html", {
        "movements": selectors.movement_list(request.scope)[:300]})  # type: ignore[attr-defined]


@require("stock.manage")
def setup(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    community = _community(request)
    action = request.POST.get("action") if request.method == "POST" else None
    item_form = ItemForm(request.POST if action == "item" else None, auto_id="item_%s")
    store_form = StoreForm(request.POST if action == "store" else None, auto_id="store_%s")
    if community is not None and action == "item" and item_form.is_valid():
        d = item_form.cleaned_data

        def add_item() -> str:
            services.item_create(actor=request.user, community=community, kind=d["kind"], name=d["name"],
                                 unit=d["unit"], request=request)
            return reverse("stock:setup")

        if (url := submit_once(request, add_item, form=item_form)) is not None:
            return redirect(url)
    if community is not None and action == "store" and store_form.is_valid():
        d = store_form.cleaned_data

        def add_store() -> str:
            services.store_create(actor=request.user, community=community, kind=d["kind"], name=d["name"],
                                  request=request)
            return reverse("stock:setup")

        if (url := submit_once(request, add_store, form=store_form)) is not None:
            return redirect(url)
    return render(request, "stock/setup.html", {
        "items": selectors.item_list(scope), "stores": selectors.store_list(scope), "item_form": item_form,
        "store_form": store_form})
