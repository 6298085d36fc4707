"""Campaign pages (mounted at /campaigns/)."""

from django.urls import path

from shequ.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/open/", views.campaign_open, name="open"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/missing/", views.missing_list, name="missing"),
    path("<int:pk>/missing/pdf/", views.missing_pdf_job, name="missing_pdf_job"),
    path("<int:pk>/compare/", views.compare_previous, name="compare"),
    path("<int:pk>/targets/<int:target_pk>/exempt/", views.target_exempt, name="exempt"),
    path("<int:pk>/targets/<int:target_pk>/call/", views.call, name="call"),
    path("<int:pk>/visits/", views.visit_list, name="visits"),
    path("<int:pk>/households/<int:household_pk>/", views.household_visit, name="household"),
    path("<int:pk>/points/", views.point_list, name="points"),
    path("<int:pk>/sample/", views.sample, name="sample"),
    path("<int:pk>/door-to-door/", views.door_to_door, name="door_to_door"),
    path("<int:pk>/results/", views.results_page, name="results"),
    path("<int:pk>/retests/", views.retest_list, name="retests"),
    path("<int:pk>/tubes/<int:tube_pk>/quarantine/", views.retest_quarantine, name="retest_quarantine"),
    path("<int:pk>/tubes/", views.tube_list, name="tubes"),
    path("<int:pk>/tubes/<int:tube_pk>/", views.tube_detail, name="tube"),
]
