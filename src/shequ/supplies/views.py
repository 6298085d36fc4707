"""Supplies pages: the inbox (paste, review, confirm; the help requests it opens are resident
services'), orders and their life cycle, phone orders, refills due as orders, shops and packages,
purchase lists, delivery runs with the phone screen, and the resident's own orders.

Every write goes through supplies.services (audited) with a one-time key (core.forms.submit_once),
so a double submit or a resubmission after "back" makes one order; every read goes through the
user's Scope (supplies and registry selectors): anything outside it is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.audit.exports import export_record
from shequ.core import excel
from shequ.core.forms import submit_once
from shequ.core.masking import mask_name, mask_phone
from shequ.core.privacy import personal_data
from shequ.core.scoping import Role, require
from shequ.core.submission import new_key
from shequ.registry import selectors as registry
from shequ.registry.models import Community, Compound, Household, Person
from shequ.services.selectors import help_request_list, refills_due
from shequ.supplies import selectors, services
from shequ.supplies.forms import (
    CodeForm,
    DistributionForm,
    OrderForm,
    PackageForm,
    PasteForm,
    ReviewForm,
    ShopForm,
    items_text,
)
from shequ.supplies.models import FLOW, InboxMessage, Kind, Order, Run

NEXT: dict[str, str] = dict(zip(FLOW, FLOW[1:], strict=False))


def _check(request: HttpRequest, capability: str, community_id: int) -> None:
    if not request.scope.can(capability, community_id):  # type: ignore[attr-defined]
        raise PermissionDenied


def _communities(request: HttpRequest, capability: str) -> list[tuple[int, str]]:
    ids = request.scope.communities_where(capability)  # type: ignore[attr-defined]
    return [(c.pk, c.name) for c in Community.objects.filter(id__in=sorted(ids)).order_by("code")]


def _head(household: Household) -> str:
    """The head of household's name, masked (the label and the courier's screen show no more)."""
    active = Person.objects.filter(household=household, status=Person.Status.ACTIVE)
    head = active.filter(relation=Person.Relation.HEAD).order_by("id").first() or active.order_by("id").first()
    return mask_name(head.name) if head else ""


def _find_household(request: HttpRequest, community_id: int, address: str) -> Household:
    from shequ.core.address import parse_address

    parsed = parse_address(address)
    household, problem = selectors.resolve_address(community_id, parsed.short if parsed and parsed.unit else None,
                                                   parsed.compound if parsed else "")
    if household is None:
        raise ValidationError({"address": _("No household lives at %(address)s.") % {"address": address}
                               if problem != selectors.AMBIGUOUS else
                               _("%(address)s is ambiguous: name the compound (富通小区9-2-502).") % {"address": address}})
    # The household is found in the community; the reader must also see it.
    return registry.household_get(request.scope, household.pk)  # type: ignore[attr-defined]


# -- the inbox --------------------------------------------------------------------------------------------
@personal_data
@require("supplies.inbox")
def inbox(request: HttpRequest) -> HttpResponse:
    """Paste group messages; every message not yet handled, urgent first, beside its reading."""
    communities = _communities(request, "supplies.inbox")
    compounds = list(Compound.objects.filter(community_id__in=[c for c, _n in communities]).order_by("name"))
    form = PasteForm(request.POST or None, communities=communities, compounds=[(c.pk, c.name) for c in compounds])
    form.compound_communities = {}
    for c in compounds:
        form.compound_communities.setdefault(c.community_id, set()).add(c.pk)
    if request.method == "POST" and form.is_valid():
        community = Community.objects.get(pk=form.cleaned_data["community"])

        def paste() -> str:
            stored = services.paste_messages(actor=request.user, community=community, paste=form.cleaned_data["paste"],
                                             compound_id=form.cleaned_data["compound"], request=request)
            return reverse("supplies:inbox") + f"?pasted={len(stored)}"

        url = submit_once(request, paste, form=form)
        if url is not None:
            return redirect(url)
    rows = []
    for message in selectors.inbox_list(request.scope):  # type: ignore[attr-defined]
        rows.append({"message": message, "form": _review_form(message)})
    # The open help requests (resident services), messages' or not: the inbox is where they are noticed.
    helps = list(help_request_list(request.scope, open_only=True)[:50])  # type: ignore[attr-defined]
    return render(request, "supplies/inbox.html", {"form": form, "rows": rows, "helps": helps,
                                                   "pasted": request.GET.get("pasted")})


def _review_form(message: InboxMessage, data: Any = None) -> ReviewForm:
    parsed = message.parsed or {}
    # With the compound: a bare 9-2-502 may be in two compounds of the community.
    address = (f"{message.household.room.unit.building.compound.name}{message.household.room.address}"
               if message.household else parsed.get("address")) or ""
    kind = message.kind if message.kind in (Kind.ORDER, Kind.MEDICINE, Kind.ERRAND) else Kind.ORDER
    return ReviewForm(data, auto_id=f"m{message.pk}_%s", initial={
        "address": address, "kind": kind, "urgent": message.urgent, "items": items_text(parsed.get("items", []))})


@personal_data
@require("supplies.inbox")
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a message's corrected reading into an order, or set it aside."""
    msg = selectors.inbox_get(request.scope, pk)  # type: ignore[attr-defined]
    _check(request, "supplies.inbox", msg.community_id)
    form = _review_form(msg, request.POST if request.method == "POST" else None)
    if request.method == "POST" and request.POST.get("action") == "set_aside":
        def set_aside() -> str:
            services.message_set_aside(actor=request.user, message=msg, request=request)
            return reverse("supplies:inbox")

        url = submit_once(request, set_aside)
        return redirect(url or reverse("supplies:message", args=[msg.pk]))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def confirm() -> str:
            household = _find_household(request, msg.community_id, data["address"])
            order = services.message_confirm(actor=request.user, message=msg, household=household, kind=data["kind"],
                                             urgent=data["urgent"], items=data["items"], request=request)
            return reverse("supplies:inbox") + f"?ordered={order.pk}"

        url = submit_once(request, confirm, form=form)
        if url is not None:
            messages.success(request, _("The order is confirmed."))
            return redirect(url)
    return render(request, "supplies/message.html", {"message": msg, "form": form})


# -- orders ----------------------------------------------------------------------------------------------
@personal_data
@require("supplies.order")
def orders(request: HttpRequest) -> HttpResponse:
    """Open orders, urgent first with how long they have waited; a household found by room or name."""
    status = request.GET.get("status") or None
    shown = status if status in Order.Status.values else [s for s in FLOW if s != Order.Status.DELIVERED]
    rows = list(selectors.order_list(request.scope, status=shown)[:300])  # type: ignore[attr-defined]
    now = timezone.now()
    q = request.GET.get("q", "").strip()
    found = registry.search(request.scope, q, limit=20) if q else None  # type: ignore[attr-defined]
    refills = (len(refills_due(request.scope))  # type: ignore[attr-defined]
               if request.scope.can("supplies.manage") else 0)  # type: ignore[attr-defined]
    return render(request, "supplies/orders.html", {
        "rows": [{"order": o, "waited": selectors.waited(o, now)} for o in rows], "status": status,
        "statuses": Order.Status.choices, "q": q, "found": found, "refills": refills, "key": new_key()})


@require_POST
@require("supplies.manage")
def refills(request: HttpRequest) -> HttpResponse:
    """Refills due (care plans) -> urgent medicine orders, once each."""
    def make() -> str:
        made = services.refill_orders_create(actor=request.user, scope=request.scope,  # type: ignore[attr-defined]
                                             request=request)
        return reverse("supplies:orders") + f"?refills={len(made)}"

    return redirect(submit_once(request, make) or reverse("supplies:orders"))


@personal_data
@require("supplies.order")
def order(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: its items, its steps, the next step, cancel."""
    item = selectors.order_get(request.scope, pk)  # type: ignore[attr-defined]
    _check(request, "supplies.order", item.community_id)
    if request.method == "POST":
        action = request.POST.get("action", "")

        def act() -> str:
            if action == "cancel":
                services.order_cancel(actor=request.user, order=item, request=request)
            elif action in NEXT.values() and action != Order.Status.DELIVERED:
                services.order_advance(actor=request.user, order=item, to=action, request=request)
            else:
                raise ValidationError(_("No such step."))
            return reverse("supplies:order", args=[item.pk])

        return redirect(submit_once(request, act) or reverse("supplies:order", args=[item.pk]))
    nxt = NEXT.get(item.status)
    steps = [(Order.Status(s).label, getattr(item, f"{s}_at", None) if s != "received" else item.received_at)
             for s in FLOW]
    return render(request, "supplies/order.html", {
        "order": item, "head": _head(item.household), "next": nxt if nxt != Order.Status.DELIVERED else None,
        "next_label": Order.Status(nxt).label if nxt else "", "steps": steps,
        "waited": selectors.waited(item, timezone.now()), "key": new_key(), "cancellable": item.status not in (
            Order.Status.DELIVERED, Order.Status.CANCELLED)})


@personal_data
@require("supplies.order")
def order_new(request: HttpRequest, household_pk: int) -> HttpResponse:
    """A phone order for a household (the elderly without a smartphone)."""
    household = registry.household_get(request.scope, household_pk)  # type: ignore[attr-defined]
    _check(request, "supplies.order", household.community_id)
    packages = list(selectors.package_list(request.scope, offer=True).filter(community=household.community))  # type: ignore[attr-defined]
    form = OrderForm(request.POST or None, packages=packages)
    if request.method == "POST" and form.is_valid():
        def create() -> str:
            created = services.order_create(
                actor=request.user, household=household, kind=form.cleaned_data["kind"],
                urgent=form.cleaned_data["urgent"], items=form.order_items(), note=form.cleaned_data["note"],
                payment=form.cleaned_data["payment"], source=Order.Source.PHONE, request=request)
            return reverse("supplies:order", args=[created.pk])

        url = submit_once(request, create, form=form)
        if url is not None:
            messages.success(request, _("The order is taken."))
            return redirect(url)
    return render(request, "supplies/order_new.html", {"household": household, "form": form, "head": _head(household)})


# -- shops, packages, purchase lists -------------------------------------------------------------------
@personal_data
@require("supplies.manage")
def shops(request: HttpRequest) -> HttpResponse:
    communities = _communities(request, "supplies.manage")
    community = Community.objects.get(pk=communities[0][0]) if communities else None
    shop_rows = list(selectors.shop_list(request.scope))  # type: ignore[attr-defined]
    action = request.POST.get("action") if request.method == "POST" else None
    shop_form = ShopForm(request.POST if action == "shop" else None, auto_id="shop_%s")
    package_form = PackageForm(request.POST if action == "package" else None, auto_id="package_%s")
    package_form.fields["shop"].choices = [("", "-"), *[(s.pk, s.name) for s in shop_rows]]  # type: ignore[attr-defined]
    if community is not None and action == "shop" and shop_form.is_valid():
        d = shop_form.cleaned_data

        def add_shop() -> str:
            services.shop_create(actor=request.user, community=community, name=d["name"], kind=d["kind"],
                                 contact=d["contact"], phone=d["phone"], request=request)
            return reverse("supplies:shops")

        if (url := submit_once(request, add_shop, form=shop_form)) is not None:
            return redirect(url)
    if community is not None and action == "package" and package_form.is_valid():
        d = package_form.cleaned_data

        def add_package() -> str:
            shop = next((s for s in shop_rows if s.pk == d["shop"]), None)
            services.package_create(actor=request.user, community=community, name=d["name"], contents=d["contents"],
                                    price=d["price"], shop=shop, request=request)
            return reverse("supplies:shops")

        if (url := submit_once(request, add_package, form=package_form)) is not None:
            return redirect(url)
    return render(request, "supplies/shops.html", {
        "shops": shop_rows, "packages": selectors.package_list(request.scope),  # type: ignore[attr-defined]
        "shop_form": shop_form, "package_form": package_form,
        "masked_phone": {s.pk: mask_phone(s.phone) for s in shop_rows}})


@personal_data
@require("supplies.manage")
def purchases(request: HttpRequest) -> HttpResponse:
    """Purchase lists per shop: confirmed orders' items summed; mark a line short or substituted."""
    if request.method == "POST":
        ids = [int(i) for v in request.POST.getlist("item") for i in v.split(",") if i.isdigit()]
        items = selectors.order_items_get(request.scope, ids)  # type: ignore[attr-defined]
        for i in items:
            _check(request, "supplies.manage", i.community_id)

        def mark() -> str:
            services.items_mark_supply(actor=request.user, items=items, supply=request.POST.get("supply", ""),
                                       substitute=request.POST.get("substitute", ""), request=request)
            return reverse("supplies:purchases")

        return redirect(submit_once(request, mark) or reverse("supplies:purchases"))
    lists = selectors.purchase_lists(request.scope)  # type: ignore[attr-defined]
    return render(request, "supplies/purchases.html", {"lists": lists, "key": new_key()})


@personal_data
@require_GET
@require("supplies.manage")
def purchases_xlsx(request: HttpRequest) -> HttpResponse:
    lists = selectors.purchase_lists(request.scope)  # type: ignore[attr-defined]
    rows = [[pl.shop.name if pl.shop else _("no shop"), line.name, line.quantity, line.unit, line.uncounted,
             len(set(line.orders)), line.short, _("urgent") if line.urgent else ""]
            for pl in lists for line in pl.lines]
    headers = [_("shop"), _("item"), _("quantity"), _("unit"), _("lines without a quantity"), _("orders"),
               _("not available"), _("urgent")]
    content = excel.write_xlsx(headers, rows, title=_("purchase list"))
    for community_id in request.scope.communities_where("supplies.manage"):  # type: ignore[attr-defined]
        export_record(actor=request.user, community=Community.objects.get(pk=community_id), what="purchase list",
                      count=len(rows), masking=None, request=request)
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="purchase-list.xlsx"'
    return response


@personal_data
@require_GET
@require("supplies.manage")
def labels(request: HttpRequest) -> HttpResponse:
    """Bag labels (PDF) of the orders bought and not yet out: A4 label sheets, or ?format=thermal."""
    from shequ.supplies.labels import FORMATS, Label, labels_pdf

    fmt = request.GET.get("format", "a4")
    if fmt not in FORMATS:
        raise Http404
    rows = list(selectors.order_list(request.scope, status=[Order.Status.PURCHASED, Order.Status.PACKED])  # type: ignore[attr-defined]
                .filter(community_id__in=request.scope.communities_where("supplies.manage")))  # type: ignore[attr-defined]
    made = [Label(order_id=o.pk, address=o.household.room.address, compound=o.household.room.unit.building.compound.name,
                  head=_head(o.household), urgent=o.urgent,
                  items="、".join(f"{i.name}{i.quantity.normalize() if i.quantity is not None else ''}{i.unit}"
                                 for i in o.items.all()) or o.note[:60])
            for o in rows]
    body = labels_pdf(made, fmt=fmt, title=_("Bag labels"))
    for community_id in sorted({o.community_id for o in rows}):
        export_record(actor=request.user, community=Community.objects.get(pk=community_id), what="bag labels",
                      count=sum(o.community_id == community_id for o in rows), masking=None, detail=fmt,
                      request=request)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bag-labels-{fmt}.pdf"'
    return response


@personal_data
@require("supplies.manage")
def distributions(request: HttpRequest) -> HttpResponse:
    """Government supply packs: one free order per household of a compound or the community."""
    communities = _communities(request, "supplies.manage")
    community = Community.objects.get(pk=communities[0][0]) if communities else None
    form = DistributionForm(request.POST or None)
    compounds = list(Compound.objects.filter(community=community).order_by("name")) if community else []
    form.fields["compound"].choices = [("", "-"), *[(c.pk, c.name) for c in compounds]]  # type: ignore[attr-defined]
    if request.method == "POST" and community is not None and form.is_valid():
        d = form.cleaned_data

        def create() -> str:
            made = services.distribution_create(actor=request.user, community=community, name=d["name"],
                                                contents=d["contents"], compound_id=d["compound"], request=request)
            return reverse("supplies:distribution", args=[made.pk])

        if (url := submit_once(request, create, form=form)) is not None:
            return redirect(url)
    return render(request, "supplies/distributions.html", {
        "form": form, "rows": selectors.distribution_list(request.scope)})  # type: ignore[attr-defined]


@personal_data
@require("supplies.manage")
def distribution(request: HttpRequest, pk: int) -> HttpResponse:
    """Which households have not received their pack, by building and grid."""
    item = selectors.distribution_get(request.scope, pk)  # type: ignore[attr-defined]
    _check(request, "supplies.manage", item.community_id)
    rows = selectors.distribution_progress(item)
    return render(request, "supplies/distribution.html", {
        "item": item, "rows": rows, "households": sum(r["households"] for r in rows),
        "received": sum(r["received"] for r in rows)})


@personal_data
@require("supplies.manage")
def day(request: HttpRequest) -> HttpResponse:
    """The day's figures: orders by status, time to receipt, urgent; money per payment, shop and courier."""
    import datetime as dt

    communities = _communities(request, "supplies.manage")
    if not communities:
        raise Http404
    local = timezone.localtime()
    try:
        chosen = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else local.date()
    except ValueError:
        chosen = local.date()
    start = dt.datetime.combine(chosen, dt.time(0), tzinfo=local.tzinfo)
    figures = selectors.day_figures(request.scope, communities[0][0], start, start + dt.timedelta(days=1))  # type: ignore[attr-defined]
    return render(request, "supplies/day.html", {"figures": figures, "date": chosen,
                                                 "statuses": [(Order.Status(s).label, n)
                                                              for s, n in figures["by_status"].items()]})


# -- delivery runs ---------------------------------------------------------------------------------------
@personal_data
@require("supplies.deliver")
def runs(request: HttpRequest) -> HttpResponse:
    """The runs the user may see (a courier: their own); for secretary and staff, packed orders to
    group into a new run."""
    from shequ.accounts.models import Membership

    manage = request.scope.can("supplies.manage")  # type: ignore[attr-defined]
    if request.method == "POST" and not manage:
        raise PermissionDenied
    packed = [] if not manage else list(selectors.order_list(request.scope, status=Order.Status.PACKED).filter(run__isnull=True))  # type: ignore[attr-defined]
    communities = _communities(request, "supplies.manage")
    couriers = list(Membership.objects.filter(community_id__in=[c for c, _n in communities],
                                              role__in=[Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.VOLUNTEER])
                    .select_related("user").order_by("role", "user__username"))
    if request.method == "POST" and communities:
        community = Community.objects.get(pk=communities[0][0])
        chosen = [o for o in packed if str(o.pk) in request.POST.getlist("order")]
        member = next((m for m in couriers if str(m.user_id) == request.POST.get("courier")), None)

        def create() -> str:
            if member is None:
                raise ValidationError(_("Choose the courier."))
            roles = {m.role for m in couriers if m.user_id == member.user_id and m.community_id == community.pk}
            run = services.run_create(actor=request.user, community=community, courier=member.user, orders=chosen,
                                      courier_roles=roles, request=request)
            return reverse("supplies:run", args=[run.pk])

        url = submit_once(request, create)
        if url is not None:
            return redirect(url)
    return render(request, "supplies/runs.html", {
        "manage": manage, "key": new_key(), "packed": packed, "couriers": couriers, "runs": selectors.run_list(request.scope)[:50]})  # type: ignore[attr-defined]


@personal_data
@require("supplies.deliver")
def run(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone screen of a run: next door, what goes there, left at the door, receipt. It works
    offline: actions queue on the phone (static/supplies/run.js) and are sent when back online."""
    item = selectors.run_get(request.scope, pk)  # type: ignore[attr-defined]
    _check(request, "supplies.deliver", item.community_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        target = None
        buildings = {str(o.household.room.unit.building_id): o.household.room.unit.building
                     for o in selectors.run_orders(item)}
        if request.POST.get("order"):
            target = next((o for o in selectors.run_orders(item) if str(o.pk) == request.POST["order"]), None)
            if target is None:
                raise Http404

        def act() -> str:
            if action == "start":
                services.run_start(actor=request.user, run=item, request=request)
            elif action == "left" and target is not None:
                services.order_left_at_door(actor=request.user, order=target, request=request)
            elif action in ("code", "courier") and target is not None:
                services.order_receipt(actor=request.user, order=target, how=action,
                                       code=request.POST.get("code", ""), request=request)
                services.run_finish_if_done(actor=request.user, run=Run.objects.get(pk=item.pk), request=request)
            elif action in ("entered", "left_building"):
                building = buildings.get(request.POST.get("building", ""))
                if building is None:
                    raise Http404  # only a building the run goes into
                services.run_step(actor=request.user, run=item, building=building,
                                  what="entered" if action == "entered" else "left",
                                  client_id=_step_id(request.POST.get("client_id", ""), action),
                                  request=request)
            else:
                raise ValidationError(_("No such step."))
            return reverse("supplies:run", args=[item.pk])

        return redirect(submit_once(request, act) or reverse("supplies:run", args=[item.pk]))
    doors = selectors.run_stops(item)
    stops = [{"stop": stop, "client_id": uuid.uuid4()} for stop in doors]
    current = next((stop for stop in doors if stop.status == Order.Status.OUT), None)
    code = CodeForm.base_fields["code"]
    assert isinstance(code, forms.CharField)
    # The receipt code's field is written in the template (one label and input per door): rendering a
    # CodeForm per door took a fifth of the page (bench/supplies.py, run_page_s).
    return render(request, "supplies/run.html", {"run": item, "stops": stops, "current": current, "key": new_key(),
                                                 # as the field's label_tag writes it, with the form's suffix
                                                 "code_label": f"{code.label}{forms.Form().label_suffix}",
                                                 "code_length": code.max_length})


def _step_id(posted: str, action: str) -> uuid.UUID:
    """The once-only id of a building step: the form's id, one per button (a phone's queue resends it)."""
    try:
        base = uuid.UUID(posted)
    except ValueError:
        base = uuid.uuid4()
    return uuid.uuid5(base, action)


# -- the resident's own orders ---------------------------------------------------------------------------
def _own_household(request: HttpRequest) -> Household:
    households = sorted(request.scope.granted("household"))  # type: ignore[attr-defined]
    if not households:
        raise Http404
    return registry.household_get(request.scope, households[0])  # type: ignore[attr-defined]


@personal_data
@require("supplies.own")
def mine(request: HttpRequest) -> HttpResponse:
    """A resident's orders: order (free text plus the community's packages), see, confirm receipt."""
    household = _own_household(request)
    packages = list(selectors.package_list(request.scope, offer=True).filter(community=household.community))  # type: ignore[attr-defined]
    form = OrderForm(request.POST if request.POST.get("action") == "order" else None, packages=packages)
    if request.method == "POST" and request.POST.get("action") == "receipt":
        posted = request.POST.get("order", "")
        if not posted.isdigit():
            raise Http404
        target = selectors.order_get(request.scope, int(posted))  # type: ignore[attr-defined]

        def confirm() -> str:
            services.order_receipt(actor=request.user, order=target, how=Order.Receipt.TAP, request=request)
            if target.run_id:
                services.run_finish_if_done(actor=request.user, run=Run.objects.get(pk=target.run_id), request=request)
            return reverse("supplies:mine")

        return redirect(submit_once(request, confirm) or reverse("supplies:mine"))
    if request.method == "POST" and form.is_bound and form.is_valid():
        def create() -> str:
            services.order_create(actor=request.user, household=household, kind=form.cleaned_data["kind"],
                                  urgent=form.cleaned_data["urgent"], items=form.order_items(),
                                  note=form.cleaned_data["note"], source=Order.Source.RESIDENT, request=request)
            return reverse("supplies:mine")

        url = submit_once(request, create, form=form)
        if url is not None:
            messages.success(request, _("Your order is sent to the community."))
            return redirect(url)
    own = list(selectors.order_list(request.scope).filter(household=household)[:50])  # type: ignore[attr-defined]
    return render(request, "supplies/mine.html", {"household": household, "form": form, "orders": own,
                                                  "key": new_key()})
