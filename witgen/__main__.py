"""`python -m witgen`: the same as the `witgen` console script (see `witgen.cli`)."""

import sys

from witgen.cli import entry

if __name__ == "__main__":
    sys.exit(entry())
