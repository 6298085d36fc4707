"""Containment pages: movement restrictions, containment levels, exit quotas and permits (staff)."""

from django.urls import path

from shequ.containment import views

app_name = "containment"
urlpatterns = [
    path("", views.index, name="index"),
    path("restrictions/", views.restrictions, name="restrictions"),
    path("restrictions/<int:pk>/end/", views.restriction_end, name="restriction_end"),
    path("persons/<int:pk>/", views.person, name="person"),
    path("areas/", views.areas, name="areas"),
    path("areas/<int:pk>/end/", views.area_end, name="area_end"),
    path("compounds/<int:pk>/", views.compound, name="compound"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("quotas/<int:pk>/end/", views.quota_end, name="quota_end"),
    path("permits/", views.permits, name="permits"),
    path("permits/new/", views.permit_new, name="permit_new"),
    path("permits/<int:pk>/", views.permit, name="permit"),
]
