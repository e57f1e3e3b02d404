import pytest


@pytest.fixture(autouse=True)
def requests_in_english(english_requests):
    """Every request asks for English; outside a request the default locale (Dutch) stays, as the CLI's
    messages asserted here show."""
