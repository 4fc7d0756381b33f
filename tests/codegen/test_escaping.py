"""The one escaping function for literals, the docstring and comment filters, and the name
check before rendering: no text from metadata can end a string or a line it is written into."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.render import RenderError, check_names, comment, docstring, py_str
from tests.codegen.factory import plan_of

HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet="\"\\'\n\r\t{}%\x00\x85\u2028\ud800\udfff#", max_size=12),
    st.sampled_from(['"', "\\", '"""', 'a"', '\\"', "'''", "{{ x }}", "%s", "\\N{", "\\u", "\n"]),
)


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_py_str_is_one_literal_of_the_same_text(text: str) -> None:
    literal = py_str(text)
    node = ast.parse(literal, mode="eval").body
    assert isinstance(node, ast.Constant)
    assert node.value == text
    literal.encode("utf-8")  # a lone surrogate is escaped, so the file can be written


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_docstring_keeps_the_text_between_triple_quotes(text: str) -> None:
    escaped = docstring(text)
    node = ast.parse(f'"""{escaped}"""', mode="eval").body
    assert isinstance(node, ast.Constant)
    assert node.value == text
    escaped.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_comment_stays_on_its_line(text: str) -> None:
    line = f"# {comment(text)}"
    assert ast.parse(f"{line}\nx = 1").body[0].lineno == 2
    line.encode("utf-8")


def test_plain_texts_are_unchanged() -> None:
    assert py_str("microsoft.graph.call") == '"microsoft.graph.call"'
    assert py_str(None) == "None"
    assert docstring('Say "hi" now.') == 'Say "hi" now.'
    assert docstring('ends in "published"') == 'ends in "published\\"'
    assert comment("../shared/metadata/x.xml") == "../shared/metadata/x.xml"


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("class_name", "Bad-Name"),
        ("class_name", "class"),
        ("module", "os; import sys"),
        ("class_name", "\ufb01eld"),  # Python would name it `field`
        ("package", "a.b c"),
    ],
)
def test_a_name_that_is_not_a_plain_identifier_is_refused(attribute: str, value: str) -> None:
    plan = plan_of('<ComplexType Name="c"><Property Name="p" Type="Edm.String" /></ComplexType>')
    c = plan.classes[0]
    setattr(c, attribute, value)
    with pytest.raises(RenderError, match=r"t\.c"):
        check_names(plan, "pkg")


def test_a_bad_package_name_is_refused() -> None:
    plan = plan_of('<ComplexType Name="c" />')
    check_names(plan, "vendored.models")
    with pytest.raises(RenderError, match="package name"):
        check_names(plan, "my-models")
