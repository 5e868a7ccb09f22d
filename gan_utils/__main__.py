"""``python -m gan_utils``: see gan_utils/cli.py."""
import sys

from gan_utils.cli import main

sys.exit(main())
