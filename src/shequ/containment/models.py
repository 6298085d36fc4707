"""Movement restrictions on persons and containment levels of areas (sealed, controlled, precaution).

Gates and deliveries obey them; the later health issue (home quarantine follow-ups, transfers) builds
on these rows rather than replacing them.
"""
