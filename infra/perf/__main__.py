"""`python -m infra.perf`: see infra/perf/cli.py."""

import sys

from infra.perf.cli import main

sys.exit(main())
