"""Prevention supplies pages (防疫物资): the stock sheet, its Excel, the ledger, items and stores."""

from django.urls import path

from shequ.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.sheet, name="sheet"),
    path("stock.xlsx", views.sheet_xlsx, name="sheet_xlsx"),
    path("ledger/", views.ledger, name="ledger"),
    path("setup/", views.setup, name="setup"),
]
