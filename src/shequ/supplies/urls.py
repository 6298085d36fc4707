"""Supplies pages (保供): inbox, orders, shops, purchase lists, runs, the resident's own orders."""

from django.urls import path

from shequ.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("messages/<int:pk>/", views.message, name="message"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/refills/", views.refills, name="refills"),
    path("households/<int:household_pk>/order/", views.order_new, name="order_new"),
    path("shops/", views.shops, name="shops"),
    path("purchases/", views.purchases, name="purchases"),
    path("purchases.xlsx", views.purchases_xlsx, name="purchases_xlsx"),
    path("labels.pdf", views.labels, name="labels"),
    path("packs/", views.distributions, name="distributions"),
    path("packs/<int:pk>/", views.distribution, name="distribution"),
    path("day/", views.day, name="day"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("mine/", views.mine, name="mine"),
]
