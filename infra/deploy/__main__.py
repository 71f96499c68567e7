"""`python -m infra.deploy deploy|history|status ...` (also reachable through `python -m infra`)."""

import sys

from infra.deploy.cli import main

sys.exit(main())
