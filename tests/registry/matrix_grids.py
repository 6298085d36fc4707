"""Drawing grids and naming property companies in the authorization matrix (merged by
tests/test_authorization_matrix.py): registry.setup is for secretary and staff; outsider sets up only
nanxincun (futong's grids and companies: 404)."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, Write, like, only, refused

SETUP = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG_GRID = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)



def _company(w: Any) -> dict[str, int]:
    """futong's property company (property1's)."""
    from shequ.accounts.models import Membership

    return {"pk": Membership.objects.get(user__username="property1").property_company_id}


ROUTES: dict[str, Any] = {
    "registry:grid_new": (lambda w: {}, SETUP),
    "registry:grid_draw": (lambda w: {"pk": w.grid.pk}, FUTONG_GRID),
    "registry:property_companies": (lambda w: {}, SETUP),
    "registry:property_company_new": (lambda w: {}, SETUP),
    "registry:property_company": (_company, FUTONG_GRID),
}


def _new_grid(w: Any, role: str | None) -> tuple[int, bool | str]:
    """Posted from the secretary's form, which names futong: outsider asks for futong, a 404."""
    if role in ("secretary", "staff"):
        return 302, True
    return refused({ANON: 302, "outsider": 404}.get(role, 403))


WRITES = {
    "registry:grid_new": Write(lambda w: {}, lambda w, f: f.page("/registry/grids/new/", with_field="number"),
                               _new_grid),
    # The grid shrinks to the anchor's building alone.
    "registry:grid_draw": Write(lambda w: {"pk": w.grid.pk}, lambda w, f: {"building": [w.building.pk]},
                                like(FUTONG_GRID)),
    "registry:property_company_new": Write(
        lambda w: {}, lambda w, f: f.page("/registry/property-companies/new/", with_field="name", name="矩阵物业"),
        _new_grid),
    # The company keeps its name and manages the anchor's compound alone.
    "registry:property_company": Write(
        _company, lambda w, f: f.page(f"/registry/property-companies/{_company(w)['pk']}/", with_field="name",
                                      compounds=[str(w.compound.pk)], phone="13900001234"),
        like(FUTONG_GRID)),
}
READS: dict[str, Any] = {"registry:property_companies": None}
