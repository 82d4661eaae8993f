"""Demo data for a fresh install: two agencies, staff in every role and a few hundred Vietnamese stories.

`manage.py seed_demo` builds it; `make run` prints `logins_table()` again.
"""

from .accounts import logins_table
from .cast import DEMO_PASSWORD
from .seed import DEFAULT_STORIES, SeedReport, seed_demo

__all__ = ["DEFAULT_STORIES", "DEMO_PASSWORD", "SeedReport", "logins_table", "seed_demo"]
