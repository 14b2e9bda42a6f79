"""`python -m embsum.retrain --help`"""

import sys

from embsum.retrain.cli import main

sys.exit(main())
