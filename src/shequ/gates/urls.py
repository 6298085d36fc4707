from django.urls import path

from shequ.gates import views

app_name = "gates"
urlpatterns = [
    path("passages/<int:pk>/", views.passage_detail, name="passage"),
]
