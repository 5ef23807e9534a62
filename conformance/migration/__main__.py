"""``python -m conformance.migration``: regenerate docs/migration.md and its curves.

Runs the whole suite once on each of the four replacements (one after the other: each run is a
heavy job), then writes ``OUTPUT/migration.md`` and ``OUTPUT/img/migration/*.png``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import matrix


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m conformance.migration',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--output', type=Path, default=matrix.DOCS,
                        help='directory of migration.md and img/migration/ (default: docs/)')
    parser.add_argument('--reports', type=Path, default=None,
                        help="keep the children's reports in REPORTS/<name>/report.json")
    parser.add_argument('--reuse', action='store_true',
                        help='read the reports already in --reports instead of running again')
    args = parser.parse_args(argv)
    if args.reuse and args.reports is None:
        parser.error('--reuse needs --reports')
    started = time.monotonic()
    try:
        matrix.generate(args.output, args.reports, args.reuse,
                        echo=lambda line: print(line, flush=True))
    except matrix.MatrixError as exc:
        print(f'migration matrix not written: {exc}', file=sys.stderr)
        return 1
    print(f'wrote {args.output / matrix.PAGE} and {args.output / matrix.IMAGES}/ in '
          f'{time.monotonic() - started:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
