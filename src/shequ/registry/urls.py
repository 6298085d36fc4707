from django.urls import path

from shequ.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.compound_list, name="compounds"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("rooms/<int:pk>/", views.room_detail, name="room"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/move-out/", views.household_move_out, name="household_move_out"),
    path("households/<int:household_pk>/persons/new/", views.person_create, name="person_create"),
    path("persons/", views.person_list, name="persons"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/move/", views.person_move, name="person_move"),
    path("persons/<int:pk>/move-out/", views.person_move_out, name="person_move_out"),
    path("special/", views.special_list, name="special"),
    path("grids/", views.grid_list, name="grids"),
    path("grids/new/", views.grid_new, name="grid_new"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
    path("grids/<int:pk>/draw/", views.grid_draw, name="grid_draw"),
    path("property-companies/", views.property_companies, name="property_companies"),
    path("property-companies/new/", views.property_company_edit, name="property_company_new"),
    path("property-companies/<int:pk>/", views.property_company_edit, name="property_company"),
    path("search/", views.search, name="search"),
    path("import/", views.roster_import, name="import"),
    path("import/rejected.xlsx", views.roster_import_rejected, name="import_rejected"),
]
