"""The thread flavour's resources and stream are generated from the asyncio flavour: they must be current.

These read the source tree (src/assistd) and tools/generate_sync.py, not the installed package.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "tools" / "generate_sync.py"
PACKAGE = ROOT / "src" / "assistd"
GENERATED = ["_sync_resources.py", "_sync_streams.py"]


def generate(*args):
    return subprocess.run([sys.executable, str(GENERATOR), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_the_generated_files_are_what_the_generator_writes_now(tmp_path):
    result = generate("--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == GENERATED
    for name in GENERATED:
        assert (PACKAGE / name).read_text(encoding="utf-8") == (tmp_path / name).read_text(encoding="utf-8"), (
            "%s is not current: run python clients/python/tools/generate_sync.py" % name)


@pytest.mark.parametrize("source,target", [("_async_resources.py", "_sync_resources.py"),
                                           ("_async_streams.py", "_sync_streams.py")])
def test_check_fails_when_an_asyncio_source_changed_after_generating(tmp_path, source, target):
    copy = tmp_path / "assistd"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert generate("--src", copy, "--check").returncode == 0
    with open(copy / source, "a", encoding="utf-8") as handle:
        handle.write("\n\nasync def added_later() -> None:\n    await added_later()\n")
    result = generate("--src", copy, "--check")
    assert result.returncode == 1 and target in result.stderr
    assert generate("--src", copy).returncode == 0
    assert "\ndef added_later() -> None:\n    added_later()\n" in (copy / target).read_text(encoding="utf-8")
    assert generate("--src", copy, "--check").returncode == 0
