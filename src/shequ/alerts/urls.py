from django.urls import path

from shequ.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alerts, name="list"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
