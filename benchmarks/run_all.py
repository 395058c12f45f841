"""Run every benchmark once with its defaults, one after another (``make bench``).

Each benchmark prints its figures next to a baseline measured in the same run; pass ``--quick`` for smaller
inputs (a smoke run), or run a single benchmark directly with its own options (``--rows 30000000`` …).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "bench_names.py": ["--seconds", "1", "--sample", "100"],
    "bench_ingest.py": ["--rows", "100000"],
    "bench_queries.py": ["--rows", "100000", "--repeat", "2"],
    "bench_live.py": ["--seconds", "3", "--burst", "2000"],
    "bench_web.py": ["--rows", "100000", "--requests", "200"],
}


def main() -> int:
    """Run the benchmarks; return non-zero if any failed."""
    quick = "--quick" in sys.argv
    failed = []
    for name in QUICK:
        print(f"\n===== {name} =====", flush=True)
        args = QUICK[name] if quick else []
        if subprocess.run([sys.executable, str(HERE / name), *args]).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
