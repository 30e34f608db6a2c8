import sys
from pathlib import Path

import pytest

# The conformance harness lives under tests/ and is imported as `conformance`.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh auto-name counters, as a new MXNet process would."""
    from jaxsym.graph import naming

    with naming.NameManager():
        yield
