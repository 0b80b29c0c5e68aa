"""`make soak` reaches the tests: the suite's clean-up of PREFCENTER_* keeps the tests' own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.servers import environment


def test_prefcenter_soak_survives_the_suites_clean_up(tmp_path: Path) -> None:
    env = {**environment(tmp_path, 0), "PREFCENTER_SOAK": "1"}
    # conftest first, as pytest imports it, then what the reliability tests read.
    code = "import tests.conftest, tests.reliability.scale as scale; print(scale.SOAK)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
