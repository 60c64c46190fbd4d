"""``python -m service``: the same as ``pollday serve``."""

from __future__ import annotations

import argparse
import sys

from service.cli import add_serve_arguments, run_serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m service", description="Run the pollday reference service."
    )
    add_serve_arguments(parser)
    return run_serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
