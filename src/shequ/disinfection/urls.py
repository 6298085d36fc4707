"""Disinfection pages (消杀): the board, places, the phone screen, a round and its photo."""

from django.urls import path

from shequ.disinfection import views

app_name = "disinfection"
urlpatterns = [
    path("", views.board, name="board"),
    path("places/", views.places, name="places"),
    path("record/", views.record, name="record"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/<str:size>.jpg", views.photo, name="photo"),
]
