"""Fixtures for the reconciliation: a world shared by the app and the development register (a REAL process,
tests/support/register_world.py), an accountant, and ways to read and change the register's own store the
way its staff or its portal would (tests/reconciliation/support.py)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.support.register_world import build_world


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture
def world(app, tmp_path):
    """One employer, five staff known to both sides, six pending contributions over three periods."""
    world = build_world(app, tmp_path, (6,))
    yield world
    world.register.stop()


@pytest.fixture
def accountant(world):
    return factories.user(roles={world.employers[0]: "accountant"})
