"""Settings for bench/gate.py's server only: the product's settings, plus the floor view's URL.

The floor endpoint lives here and in bench/gate_urls.py, never in the product's URLs.
"""

from shequ.settings import *  # noqa: F403

ROOT_URLCONF = "gate_urls"
