"""Workforce pages (岗位, 排班, 志愿者, 召集)."""

from django.urls import path

from shequ.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.board, name="board"),
    path("callouts/", views.callouts, name="callouts"),
    path("callouts/<int:pk>/", views.callout, name="callout"),
    path("mine/", views.mine, name="mine"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/poster.pdf", views.poster, name="poster"),
    path("volunteers/<int:user_pk>/certificate.pdf", views.certificate, name="certificate"),
    path("join/<slug:code>/", views.join, name="join"),
]
