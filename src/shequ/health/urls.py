"""Health pages: the register, health cards, orders, follow-ups, the resident's own page."""

from django.urls import path

from shequ.health import views

app_name = "health"
urlpatterns = [
    path("", views.index, name="index"),
    path("persons/<int:pk>/", views.person, name="person"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("followups/", views.followups, name="followups"),
    path("followups/households/<int:pk>/", views.household_visit, name="visit"),
    path("mine/", views.mine, name="mine"),
]
urlpatterns += [
    path("transfers/<int:pk>/", views.transfer, name="transfer"),
    path("facilities/", views.facilities, name="facilities"),
]
urlpatterns += [path("epidemic-free/", views.epidemic_free, name="epidemic_free")]
urlpatterns += [path("lists/", views.health_list, name="list")]
urlpatterns += [
    path("orders/<int:pk>/letter.pdf", views.order_letter, name="order_letter"),
    path("orders/<int:pk>/door-notice.pdf", views.door_notice, name="door_notice"),
]
urlpatterns += [path("settings/", views.health_settings, name="settings")]
urlpatterns += [path("buildings/<int:pk>/", views.floor_plan, name="floor_plan")]
