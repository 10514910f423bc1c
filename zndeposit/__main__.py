"""``python -m zndeposit`` runs the command line."""

import sys

from zndeposit.cli import main

sys.exit(main())
