"""The checker's hints (codegen/support/_odata.py): wrong enum case with the right spelling,
placeholders listing members, and the closest declared name for a misspelt property."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.checking.validate import check

REJECT = "microsoft.graph.reject(microsoft.graph.call)"
MEMBERS = ["none", "busy", "forbidden"]  # microsoft.graph.rejectReason


def _codes(body: object) -> list[tuple[str, str, str]]:
    found = check(body, REJECT, mode="strict", partial=True).findings
    return [(f.code, f.path, f.message) for f in found]


def test_wrong_case_gives_the_right_spelling() -> None:
    ((code, path, message),) = _codes({"reason": "Busy"})
    assert (code, path) == ("enum.wrong-case", "$.reason")
    assert "spelled 'busy'" in message


def test_a_placeholder_listing_members_is_named_as_one() -> None:
    ((code, _, message),) = _codes({"reason": "none | busy | forbidden"})
    assert code == "value.placeholder" and "write one of them" in message


def test_a_misspelt_member_and_property_get_the_closest_name() -> None:
    found = _codes({"reason": "bussy", "callbakUri": "https://bot.example.org/cb"})
    assert [c for c, _, _ in found] == ["enum.unknown-member", "property.undeclared"]
    assert "did you mean 'busy'?" in found[0][2]
    assert "did you mean 'callbackUri'?" in found[1][2]


def test_an_unrelated_name_gets_no_guess() -> None:
    (only,) = _codes({"zzzzzz": 1})
    assert "did you mean" not in only[2]


@settings(max_examples=80, deadline=None)
@given(member=st.sampled_from(MEMBERS), flips=st.lists(st.booleans(), min_size=9, max_size=9))
def test_any_case_of_a_member_is_wrong_case_or_right(member: str, flips: list[bool]) -> None:
    written = "".join(c.upper() if f else c for c, f in zip(member, flips, strict=False))
    found = _codes({"reason": written})
    if written == member:
        assert found == []
    else:
        assert [c for c, _, _ in found] == ["enum.wrong-case"]
        assert repr(member) in found[0][2]
