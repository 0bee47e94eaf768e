"""Properties on random subjects: issue then verify is valid; no one-byte change stays valid."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.credentials import (
    CredentialInvalid,
    Status,
    Subject,
    credential_hash,
    jcs,
    parse_json,
)
from tests.ledger.credentials.support import check, credential

PROPERTY = settings(max_examples=150, deadline=None)
SAFE_INT = 2**53 - 1

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE_INT, SAFE_INT) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
details = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


@PROPERTY
@given(details=details, subject_id=st.text(min_size=1, max_size=20).filter(str.strip))
def test_issue_then_verify_valid_for_any_details(details: dict[str, Any], subject_id: str) -> None:
    vc = credential(subject=Subject(subject_id, details))

    reread = parse_json(jcs(vc))

    assert check(reread).status is Status.VALID
    assert credential_hash(reread) == credential_hash(vc)


@PROPERTY
@given(details=details, data=st.data())
def test_single_byte_change_never_valid(details: dict[str, Any], data: st.DataObject) -> None:
    text = jcs(credential(subject=Subject("urn:ipledger:person:ada", details)))
    position = data.draw(st.integers(0, len(text) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != text[position]), label="byte")
    changed = text[:position] + bytes([byte]) + text[position + 1 :]

    try:
        parsed = parse_json(changed)
    except CredentialInvalid:
        return  # no longer JSON: nothing to verify
    try:
        same_value = jcs(parsed) == text
    except CredentialInvalid:
        same_value = False
    result = check(parsed)

    if same_value:
        # Another spelling of the same JSON value (e.g. "\u001f" vs "\u001F"): JCS at work.
        assert result.status is Status.VALID
    else:
        assert result.status is not Status.VALID, (changed, result)
