from django.contrib.auth import views as auth_views
from django.urls import path

from shequ.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("setup/", views.setup, name="setup"),
    path("members/", views.members, name="members"),
    path("members/new/", views.member_add, name="member_add"),
    path("members/import/", views.members_import, name="members_import"),
    path("members/slips/", views.slips, name="slips"),
    path("members/<int:pk>/", views.member, name="member"),
    path("street/", views.street, name="street"),
    path("residents/", views.residents, name="residents"),
    path("residents/invites/", views.invites, name="invites"),
    path("join/", views.join, name="join"),
]
