"""`python -m pipeline.cli`: the `pipeline` command (what ./pipeline runs)."""

import sys

from pipeline.cli.main import main

sys.exit(main())
