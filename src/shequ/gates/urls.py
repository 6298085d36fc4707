"""Gate URLs. The screen (what a guard uses) and the office pages (what staff use) keep their own
view and URL modules; this joins them under the ``gates`` namespace."""

from shequ.gates.urls_office import urlpatterns as office
from shequ.gates.urls_passes import urlpatterns as passes
from shequ.gates.urls_screen import urlpatterns as screen

app_name = "gates"
urlpatterns = [*screen, *office, *passes]
