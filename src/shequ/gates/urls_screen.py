"""The gate screen (what a guard uses at the gate): views_screen.py."""

from django.urls import path

from shequ.gates import views_screen as views

urlpatterns = [
    path("screen/", views.screen_start, name="screen_start"),
    path("sw.js", views.screen_worker, name="screen_worker"),
    path("<int:pk>/screen/", views.screen, name="screen"),
    path("<int:pk>/screen/lookup/", views.screen_lookup, name="screen_lookup"),
    path("<int:pk>/screen/visitor/", views.screen_visitor, name="screen_visitor"),
    path("<int:pk>/screen/bundle.json", views.screen_bundle, name="screen_bundle"),
    path("<int:pk>/screen/permits/", views.screen_permits, name="screen_permits"),
    path("<int:pk>/screen/permit/", views.screen_permit, name="screen_permit"),
]
