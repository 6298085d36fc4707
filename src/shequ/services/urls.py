"""Resident services pages (求助, 包保): help requests, the ledger, the resident's own, care."""

from django.urls import path

from shequ.services import views

app_name = "services"
urlpatterns = [
    path("", views.requests, name="requests"),
    path("requests/<int:pk>/", views.help_request, name="request"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("mine/", views.mine, name="mine"),
    path("care/", views.care, name="care"),
    path("care/persons/<int:person_pk>/", views.care_new, name="care_new"),
    path("care/<int:pk>/", views.care_plan, name="care_plan"),
    path("today/", views.today, name="today"),
]
