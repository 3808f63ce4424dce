"""`python -m witgen`: the same as the `witgen` console script (see `witgen.cli`)."""

import sys

from witgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
