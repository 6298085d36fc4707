"""Pass pages (joined into the ``gates`` namespace by gates/urls.py)."""

from django.urls import path

from shequ.gates import views_passes as views

urlpatterns = [
    path("passes/", views.pass_index, name="passes"),
    path("passes/mine/", views.passes_own, name="passes_own"),
    path("passes/person/<int:pk>/", views.pass_person, name="pass_person"),
    path("passes/person/<int:pk>/issue/", views.pass_issue, name="pass_issue"),
    path("passes/household/<int:pk>/", views.pass_household, name="pass_household"),
    path("passes/household/<int:pk>/cards.pdf", views.pass_cards_household, name="pass_cards_household"),
    path("passes/building/<int:pk>/cards.pdf", views.pass_cards_building, name="pass_cards_building"),
    path("passes/grid/<int:pk>/cards.pdf", views.pass_cards_grid, name="pass_cards_grid"),
    path("passes/community/cards/", views.pass_cards_community, name="pass_cards_community"),
]
