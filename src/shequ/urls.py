from django.contrib import admin
from django.urls import include, path

from shequ import elder, views
from shequ.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("elder-mode/", elder.elder_mode_set, name="elder_mode"),
    path("accounts/", include("shequ.accounts.urls")),
    path("registry/", include("shequ.registry.urls")),
    path("audit/", include("shequ.audit.urls")),
    path("alerts/", include("shequ.alerts.urls")),
    path("jobs/", include("shequ.jobs.urls")),
    path("containment/", include("shequ.containment.urls")),
    path("gates/", include("shequ.gates.urls")),
    path("campaigns/", include("shequ.campaigns.urls")),
    path("health/", include("shequ.health.urls")),
    path("supplies/", include("shequ.supplies.urls")),
    path("workforce/", include("shequ.workforce.urls")),
    path("notices/", include("shequ.notices.urls")),
    path("disinfection/", include("shequ.disinfection.urls")),
    path("stock/", include("shequ.stock.urls")),
    path("services/", include("shequ.services.urls")),
    path("reports/", include("shequ.reports.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# JSON under /api/, pages elsewhere, 503 when the database is unavailable (shequ/errors.py).
handler400 = "shequ.errors.bad_request"
handler403 = "shequ.errors.permission_denied"
handler404 = "shequ.errors.page_not_found"
handler500 = "shequ.errors.server_error"
