"""Legacy ops against MXNet-recorded values, plus JSON forms and error paths."""

import json

import pytest
from conformance.cases_legacy import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("legacy")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_legacy_case(case):
    check_case(case, META, ARRAYS)
