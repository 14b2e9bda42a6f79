"""`python -m embsum_retrain --help`"""

import sys

from embsum_retrain.cli import main

sys.exit(main())
