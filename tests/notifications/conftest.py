import pytest


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read the English texts: every request of the test client asks for English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
