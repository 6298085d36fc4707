from django.urls import path

from shequ.gates import views_office as views

urlpatterns = [
    path("passages/<int:pk>/", views.passage_detail, name="passage"),
]
