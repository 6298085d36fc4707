"""Django admin for superusers: setting up streets, communities, compounds, grids and companies.
Day-to-day registry work (households, persons) goes through the audited pages, not here."""

from django.contrib import admin

from shequ.registry.models import Building, Community, Compound, Grid, PropertyCompany, Street, Unit


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "street"]
    list_filter = ["street"]


@admin.register(PropertyCompany)
class PropertyCompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "phone"]
    list_filter = ["community"]


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "kind", "property_company"]
    list_filter = ["community", "kind"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "community"]
    list_filter = ["community"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "compound", "grid", "community"]
    list_filter = ["community", "compound", "grid"]
    list_editable = ["grid"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["__str__", "building", "community"]
    list_filter = ["community"]
