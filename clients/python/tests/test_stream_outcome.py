"""StreamState.check_outcome: what ends a stream badly raises or warns (no I/O; the real binary's
failed and incomplete runs are in test_real_run_outcomes.py)."""

import warnings

import pytest

from assistd import RunFailedError, RunIncompleteWarning
from assistd._stream_state import StreamState


def finished(run):
    state = StreamState("runs/create", 1)
    state.finish(run)
    return state


@pytest.mark.parametrize("status", ["failed", "expired"])
def test_failed_and_expired_runs_raise_with_their_last_error(status):
    error = {"code": "server_error", "message": "went wrong"} if status == "failed" else None
    with pytest.raises(RunFailedError) as raised:
        finished({"object": "thread.run", "id": "run_1", "status": status, "last_error": error}).check_outcome()
    assert raised.value.status == status and raised.value.last_error == error
    assert ("went wrong" in str(raised.value)) == (status == "failed")


def test_an_incomplete_run_warns_with_its_details():
    with pytest.warns(RunIncompleteWarning, match="max_tokens"):
        finished({"object": "thread.run", "id": "run_1", "status": "incomplete",
                  "incomplete_details": {"reason": "max_tokens"}}).check_outcome()


@pytest.mark.parametrize("status", ["completed", "requires_action", "cancelled"])
def test_other_endings_pass_quietly(status):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunIncompleteWarning)
        finished({"object": "thread.run", "id": "run_1", "status": status}).check_outcome()
