"""Notices pages (通知/告示): the list, writing, one notice, its poster, the door-knock list."""

from django.urls import path

from shequ.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("<int:pk>/", views.notice, name="notice"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/poster.pdf", views.poster, name="poster"),
    path("<int:pk>/door-knock/", views.knock, name="knock"),
    path("in-person/", views.in_person, name="in_person"),
    path("mine/", views.mine, name="mine"),
]
