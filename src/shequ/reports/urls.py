"""Daily report pages (日报): the community's day, one version, submitting, the street's sheet."""

from django.urls import path

from shequ.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.community_day, name="community"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("street/", views.street, name="street"),
    path("street/sheet.xlsx", views.street_xlsx, name="street_xlsx"),
    path("street/sheet.pdf", views.street_pdf, name="street_pdf"),
]
