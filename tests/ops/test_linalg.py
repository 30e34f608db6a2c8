"""linalg_* ops against MXNet-recorded values, plus namespaces, JSON forms and errors."""

import pytest
from conformance.cases_linalg import CASES
from conformance.check import check_case, load_fixture

META, ARRAYS = load_fixture("linalg")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_linalg_case(case):
    check_case(case, META, ARRAYS)
