"""Run ``python -m skfmnist.bench``."""

import sys

from ._cli import main

sys.exit(main())
