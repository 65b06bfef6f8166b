"""``python -m debris.cli``: the ``debris`` command."""

import sys

from . import main

sys.exit(main())
