"""``python -m service``: the reference service as its own program (``pollday serve`` runs it)."""

from __future__ import annotations

import sys

from service.cli import main

if __name__ == "__main__":
    sys.exit(main())
