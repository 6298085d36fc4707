from django.urls import path

from shequ.gates import views_office as views

urlpatterns = [
    path("", views.gate_list, name="gates"),
    path("new/", views.gate_add, name="gate_add"),
    path("<int:pk>/status/", views.gate_status, name="gate_status"),
    path("<int:pk>/keep-only/", views.gate_keep_only, name="gate_keep_only"),
    path("<int:pk>/ledger/", views.gate_ledger, name="ledger"),
    path("passages/<int:pk>/", views.passage_detail, name="passage"),
    path("out/", views.out_list, name="out"),
    path("out/<int:pk>/", views.out_detail, name="out_compound"),
    path("hourly/", views.hourly, name="hourly"),
    path("roster/", views.roster_week, name="roster"),
    path("roster/assign/", views.roster_assign, name="roster_assign"),
    path("roster/shifts/", views.roster_shift_add, name="roster_shift_add"),
    path("roster/duties/<int:pk>/remove/", views.duty_remove, name="duty_remove"),
]
