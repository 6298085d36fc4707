"""Alert pages: the open alerts of the user's communities, and acknowledging one."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.alerts.selectors import alert_list
from shequ.alerts.services import alert_acknowledge
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require

PAGE_SIZE = 50


@personal_data
@require("alerts.read")
def alerts(request: ScopedRequest) -> HttpResponse:
    """Open alerts, newest first; ``?all=1`` adds the acknowledged ones."""
    show_all = request.GET.get("all") == "1"
    qs = alert_list(request.scope, open_only=not show_all).select_related("acknowledged_by")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/alert_list.html", {
        "page": page, "show_all": show_all,
        "open_count": qs.count() if not show_all else alert_list(request.scope).count(),
    })


@personal_data
@require_POST
@require("alerts.acknowledge")
def acknowledge(request: ScopedRequest, pk: int) -> HttpResponse:
    """Acknowledging twice is harmless: the first acknowledgement (who, when) stays."""
    alert = get_object_or_404(alert_list(request.scope, open_only=False), pk=pk)
    alert_acknowledge(actor=request.user, alert=alert, request=request)
    messages.success(request, _("Alert acknowledged."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = "alerts:list"
    return redirect(back)
