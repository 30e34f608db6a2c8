import pytest

from conformance.cases_core import CASES
from conformance.check import check_case, load_fixture

META, ARRAYS = load_fixture("core")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_core_case(case):
    check_case(case, META, ARRAYS)
