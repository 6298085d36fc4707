"""The product's URLs plus ``POST /bench/floor/<gate_id>``, for bench/gate.py only.

The floor is the least a passage could cost on the same server and database: one read by primary
key (the gate) and one insert (a passage row with fixed checks), through the same middleware, with
no authentication, no rules and no idempotency check.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shequ.gates.models import Gate, Passage
from shequ.urls import urlpatterns as product_urlpatterns


@csrf_exempt
@require_POST
def floor(request: HttpRequest, gate_id: int) -> JsonResponse:
    gate = Gate.objects.get(pk=gate_id)
    passage = Passage.objects.create(
        community_id=gate.community_id, gate=gate, client_id=uuid.uuid4(), recorded_at=timezone.now(),
        direction="in", temperature="36.5", health_code="green", mask=True, decision="allow", reasons=[],
    )
    return JsonResponse({"decision": passage.decision, "passage_id": passage.pk}, status=201)


urlpatterns = [*product_urlpatterns, path("bench/floor/<int:gate_id>", floor, name="bench_floor")]
