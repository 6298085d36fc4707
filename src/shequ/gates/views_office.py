"""Gate pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.scoping import require
from shequ.gates import selectors
from shequ.gates.rules import reason_labels


@require("gates.ledger")
def passage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    passage = selectors.passage_get(request.scope, pk)
    return render(request, "gates/passage_detail.html", {"passage": passage,
                                                          "reasons": reason_labels(passage.reasons)})
