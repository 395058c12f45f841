"""Helpers for tests that drive the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``scenewatch ARGS`` in a subprocess, as a user would."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scenewatch", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
