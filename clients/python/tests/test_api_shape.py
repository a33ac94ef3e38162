"""The API's shape: every method of the table is reachable in both flavours with the same parameters."""

import inspect

import pytest

from assistd import METHODS
from assistd import _async_resources as aio_resources
from assistd import _sync_resources as resources
from assistd._methods import MethodSpec

NAMESPACES = {
    "assistants": "Assistants", "assistants.files": "AssistantFiles", "threads": "Threads",
    "messages": "Messages", "messages.files": "MessageFiles", "runs": "Runs", "steps": "Steps",
}


@pytest.mark.parametrize("spec", METHODS, ids=lambda m: m.rpc)
def test_every_table_method_has_a_typed_wrapper_in_both_flavours(spec):
    sync_method = getattr(getattr(resources, NAMESPACES[spec.namespace]), spec.name)
    async_method = getattr(getattr(aio_resources, NAMESPACES[spec.namespace]), spec.name)
    assert inspect.iscoroutinefunction(async_method) and not inspect.iscoroutinefunction(sync_method)
    sync_params = list(inspect.signature(sync_method).parameters)
    assert list(inspect.signature(async_method).parameters) == sync_params
    assert sync_params[1:1 + len(spec.positional)] == list(spec.positional), "the SDK's positional order"


def test_rows_without_a_wrapper_are_still_callable_through_the_namespace():
    sent = []

    class Recorder:
        def request(self, rpc, params):
            sent.append((rpc, params))
            return {"ok": True}

        def stream(self, rpc, params):
            sent.append((rpc, dict(params, stream=True)))

    namespace = resources.Runs(Recorder())  # type: ignore[arg-type]
    new_row = MethodSpec("runs/explain", "runs", "explain", ("run_id",))
    METHODS.append(new_row)  # what adding a method to the protocol takes
    try:
        assert namespace.explain("run_1", thread_id="thread_1", verbose=None) == {"ok": True}
        namespace.create_thread_and_run(assistant_id="asst_1", stream=True)
    finally:
        METHODS.remove(new_row)
    assert sent == [("runs/explain", {"run_id": "run_1", "thread_id": "thread_1"}),
                    ("runs/createThreadAndRun", {"assistant_id": "asst_1", "stream": True})]
    with pytest.raises(AttributeError):
        namespace.no_such_method  # noqa: B018


def test_params_leave_out_none_but_keep_falsy_values():
    sent = []

    class Recorder:
        def request(self, rpc, params):
            sent.append(params)

    resources.Assistants(Recorder()).create(model="m", temperature=0, tools=[], name=None)  # type: ignore[arg-type]
    resources.Threads(Recorder()).update("thread_1", metadata=None)  # type: ignore[arg-type]
    resources.Runs(Recorder()).wait("run_1", thread_id="t", timeout_seconds=1.5)  # type: ignore[arg-type]
    assert sent == [{"model": "m", "temperature": 0, "tools": []},
                    {"thread_id": "thread_1", "metadata": None},
                    {"thread_id": "t", "run_id": "run_1", "timeout_ms": 1500}]


def test_table_spec_params_checks_arguments():
    spec = MethodSpec("steps/retrieve", "steps", "retrieve", ("step_id",))
    assert spec.params(("step_1",), {"thread_id": "t", "run_id": None}) == {"step_id": "step_1", "thread_id": "t"}
    with pytest.raises(TypeError):
        spec.params(("a", "b"), {})
    with pytest.raises(TypeError):
        spec.params(("a",), {"step_id": "b"})
