"""``python -m embsum.teacher --help``."""

import sys

from embsum.teacher.cli import main

sys.exit(main())
