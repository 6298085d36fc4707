from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.audit.describe import describe_events
from shequ.audit.models import AuditEvent
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.text import normalize


@personal_data
@require("audit.read")
def event_list(request: HttpRequest) -> HttpResponse:
    events = request.scope.audit_events(AuditEvent.objects.all())
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    username = normalize(request.GET.get("user", ""))[:150]
    if username:
        events = events.filter(actor_username__icontains=username)
    page = Paginator(events.select_related("actor").order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "rows": describe_events(page.object_list), "actions": AuditEvent.Action.choices,
         "action": action, "username": username},
    )
