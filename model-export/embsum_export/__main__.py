"""python -m embsum_export {export,verify} ... (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
