"""`python -m embsum.train --help`"""

import sys

from embsum.train.cli import main

sys.exit(main())
