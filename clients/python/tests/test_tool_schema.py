"""Tool schemas from signatures: hints -> JSON Schema types, defaults -> optional, docstrings -> descriptions."""

import enum
import json
from dataclasses import dataclass
from typing import Annotated, Any, Dict, List, Literal, Optional, Tuple, TypedDict, Union

import pytest

from assistd import Tool, ToolError, tool
from assistd._tools import ToolRegistry, output_text, parse_docstring, schema_for_type


def test_big_add_from_the_seed_documents_is_derived_from_its_signature():
    @tool
    def big_add(left: int, right: int) -> int:
        """Add to number

        Args:
            left: The left operator
            right: The right operator.
        """
        return left + right

    assert big_add.definition == {
        "type": "function",
        "function": {
            "name": "big_add",
            "description": "Add to number",
            "parameters": {
                "type": "object",
                "properties": {
                    "left": {"type": "integer", "description": "The left operator"},
                    "right": {"type": "integer", "description": "The right operator."},
                },
                "required": ["left", "right"],
            },
        },
    }
    assert big_add(1, 2) == 3, "the decorated function stays callable"


def test_defaults_are_not_required_and_recorded():
    @tool
    def search(query: str, limit: int = 10, exact: bool = False, tags: Optional[List[str]] = None):
        """Search the notes."""

    params = search.parameters
    assert params["required"] == ["query"]
    assert params["properties"]["limit"] == {"type": "integer", "default": 10}
    assert params["properties"]["exact"] == {"type": "boolean", "default": False}
    assert params["properties"]["tags"] == {"type": "array", "items": {"type": "string"}, "default": None}


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(TypedDict):
    x: float
    y: float


@dataclass
class Size:
    width: int
    height: int = 1


@pytest.mark.parametrize("hint,schema", [
    (str, {"type": "string"}),
    (int, {"type": "integer"}),
    (float, {"type": "number"}),
    (bool, {"type": "boolean"}),
    (list, {"type": "array"}),
    (List[int], {"type": "array", "items": {"type": "integer"}}),
    (Dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
    (dict, {"type": "object"}),
    (Optional[int], {"type": "integer"}),
    (Union[int, str], {"type": ["integer", "string"]}),
    (Literal["celsius", "fahrenheit"], {"type": "string", "enum": ["celsius", "fahrenheit"]}),
    (Color, {"type": "string", "enum": ["red", "blue"]}),
    (Tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
    (Any, {}),
    (Annotated[int, "How many"], {"type": "integer", "description": "How many"}),
    (Point, {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x", "y"]}),
    (Size, {"type": "object", "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["width"]}),
])
def test_type_hints_map_to_json_schema(hint, schema):
    assert schema_for_type(hint) == schema


def test_pep604_and_builtin_generics_as_text_annotations():
    namespace: Dict[str, Any] = {}
    exec(
        "from __future__ import annotations\n"
        "def f(a: list[int], b: dict[str, int], c: int | None = None, d: 'str' = 'x'):\n"
        "    '''Do f.'''\n",
        namespace,
    )
    props = Tool(namespace["f"]).parameters["properties"]
    assert props["a"] == {"type": "array", "items": {"type": "integer"}}
    assert props["b"]["type"] == "object"
    assert props["c"]["type"] == "integer"
    assert props["d"] == {"type": "string", "default": "x"}


def test_explicit_definition_overrides_derivation():
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}

    @tool(name="web-search", description="Look it up", parameters=schema)
    def anything(**kwargs):
        return kwargs

    assert anything.definition["function"] == {"name": "web-search", "description": "Look it up", "parameters": schema}


def test_docstring_styles():
    google = '''Summary line
    continues here.

    Args:
        a (int): First one,
            spanning two lines.
        b: Second.

    Returns:
        nothing
    '''
    assert parse_docstring(google) == ("Summary line continues here.", {"a": "First one, spanning two lines.", "b": "Second."})
    sphinx = "Do it.\n\n:param a: the a\n:param int b: the b\n:returns: x"
    assert parse_docstring(sphinx) == ("Do it.", {"a": "the a", "b": "the b"})
    numpy = "Do it.\n\nParameters\n----------\na : int\n    The a.\nb : str\n    The b.\n"
    assert parse_docstring(numpy) == ("Do it.", {"a": "The a.", "b": "The b."})


def test_bad_tool_names_and_positional_only_parameters_are_refused():
    with pytest.raises(ValueError):
        Tool(lambda x: x, name="has space")
    with pytest.raises(TypeError):
        Tool(eval("lambda a, /: a"), name="posonly")


def test_registry_resolves_calls_and_reports_problems():
    registry = ToolRegistry()

    @registry.add
    def big_add(left: int, right: int) -> int:
        return left + right

    call = {"thread_id": "t", "run_id": "r", "tool_call": {"id": "", "type": "function",
            "function": {"name": "big_add", "arguments": '{"left": 1, "right": 2}'}}}
    found, arguments = registry.resolve_call(call)
    assert found.func(**arguments) == 3
    with pytest.raises(ToolError) as unknown:
        registry.resolve_call({"tool_call": {"function": {"name": "nope", "arguments": "{}"}}})
    assert unknown.value.code == -32601
    with pytest.raises(ToolError) as bad_json:
        registry.resolve_call({"tool_call": {"function": {"name": "big_add", "arguments": "{left: 1"}}})
    assert bad_json.value.code == -32602
    assert registry.definitions()[0]["function"]["name"] == "big_add"


def test_outputs_are_strings_and_other_values_json():
    assert output_text("rain") == "rain"
    assert output_text(3) == "3"
    assert json.loads(output_text({"猫": [1, 2]})) == {"猫": [1, 2]}
    assert output_text(None) == "null"


def test_builtin_tool_types_are_run_by_the_tool_of_that_name():
    registry = ToolRegistry()

    @registry.add
    def text_to_image(input: str) -> str:
        """Make a picture."""
        return "image of " + input

    as_json = {"tool_call": {"id": "call_1", "type": "text_to_image",
                             "text_to_image": {"arguments": '{"input": "a ragdoll cat"}', "output": None}}}
    found, arguments = registry.resolve_call(as_json)
    assert found.func(**arguments) == "image of a ragdoll cat"
    as_text = {"tool_call": {"type": "text_to_image", "text_to_image": {"arguments": "布偶猫"}}}
    found, arguments = registry.resolve_call(as_text)
    assert arguments == {"input": "布偶猫"}
