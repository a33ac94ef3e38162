"""Fixtures. Tests named test_real_* and test_examples run the real assistd binary:
``$ASSISTD_BIN``, else the repository's ``.build/debug/assistd``, else ``assistd`` on PATH."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import pytest

from assistd import Client
import scripts

REPO_ROOT = Path(__file__).resolve().parents[3]


def locate_assistd() -> Optional[str]:
    candidates = [os.environ.get("ASSISTD_BIN"), str(REPO_ROOT / ".build" / "debug" / "assistd"), shutil.which("assistd")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def assistd_bin() -> str:
    found = locate_assistd()
    if found is None:
        pytest.fail("the real assistd binary is needed: build it (swift build) or set ASSISTD_BIN", pytrace=False)
    return found


@pytest.fixture
def make_client(assistd_bin, tmp_path) -> Callable[..., Client]:
    """``make_client(script_dict, **client_kwargs)``: a Client on the local backend with that
    scripted model. Every client is closed at the end, and must exit with status 0."""
    clients: List[Client] = []

    def make(script: Optional[Dict[str, Any]] = None, extra_args: Sequence[str] = (), **kwargs: Any) -> Client:
        path = scripts.write_script(tmp_path, script, "script-%d.json" % len(clients)) if script is not None else None
        client = Client(assistd_bin, scripts.local_args(path, extra_args), **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        already_closed = client.closed
        returncode = client.close()
        if not already_closed:
            assert returncode == 0, "assistd exited with %r; stderr:\n%s" % (returncode, client.stderr_tail(40))


@pytest.fixture
def client(make_client) -> Client:
    return make_client(scripts.HELLO)


def serves(client: Client, rpc: str) -> bool:
    """Whether assistd's rpc.discover lists ``rpc`` as implemented."""
    for method in client.discover()["methods"]:
        if method["name"] == rpc:
            return method.get("x-assistd-status", "implemented") == "implemented"
    return False


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__.startswith(("test_real_", "test_examples")):
            item.add_marker(pytest.mark.real_binary)
