from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from shequ.audit import selectors
from shequ.audit.describe import describe_events
from shequ.audit.models import AuditEvent
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.text import normalize


@personal_data
@require("audit.read")
def event_list(request: ScopedRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    action = action if action in AuditEvent.Action.values else ""
    username = normalize(request.GET.get("user", ""))[:150]
    events = selectors.event_list(request.scope, action=action, username=username)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "rows": describe_events(page.object_list), "actions": AuditEvent.Action.choices,
         "action": action, "username": username},
    )
