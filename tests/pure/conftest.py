"""Make the pure ``engine`` package importable without importing the addon.

The repository root is the Odoo addon; its ``__init__.py`` imports Odoo. These
tests import ``engine`` as a top-level package from the root instead, so they
run with plain pytest and no Odoo at all.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import settings

# No example database in the working tree, and no per-example deadline: the
# machine running the suite may be loaded, the properties are what matter.
settings.register_profile("membership_dues", database=None, deadline=None, max_examples=200)
settings.load_profile("membership_dues")
