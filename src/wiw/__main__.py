"""Run the ``wiw`` command as ``python -m wiw``."""

import sys

from wiw.cli.main import main

sys.exit(main())
