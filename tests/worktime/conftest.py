import pytest


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""
