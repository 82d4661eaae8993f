"""The analytics app's models: readership (events, rollups, platform figures), revenue, training, security,
the strategy's indicators and the maturity self-assessment."""

from .maturity import *  # noqa: F403
from .readership import *  # noqa: F403
from .revenue import *  # noqa: F403
from .staff import *  # noqa: F403
from .strategy import *  # noqa: F403
