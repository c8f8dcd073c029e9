"""The cost of a password hash is a setting (DATASTORE_PASSWORD_PROFILE): a hash names its
own cost, so one made under another profile still signs in and is redone under the site's;
a profile argon2-cffi does not have stops the site at its start, saying which there are."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from argon2 import extract_parameters, profiles
from sqlalchemy import select

from catalog.accounts.users import authenticate, create_user
from catalog.app import create_app
from catalog.db.models import User
from tests.test_web import PASSWORD


def test_a_hash_of_another_cost_signs_in_and_is_redone_at_the_sites(settings: Any) -> None:
    cheap = create_app(settings)  # the tests' settings: CHEAPEST
    with cheap.extensions["site"].session() as session:
        create_user(session, "priya", PASSWORD)
        session.commit()
        made = session.scalar(select(User.password_hash).where(User.username == "priya"))
    cheap.extensions["site"].close()
    assert extract_parameters(made) == profiles.CHEAPEST

    standard = create_app(dataclasses.replace(settings, password_profile="RFC_9106_LOW_MEMORY"))
    try:
        with standard.extensions["site"].session() as session:
            assert authenticate(session, "priya", "not the password") is None
            assert authenticate(session, "priya", PASSWORD) is not None
            session.commit()
            redone = session.scalar(select(User.password_hash).where(User.username == "priya"))
        assert extract_parameters(redone) == profiles.RFC_9106_LOW_MEMORY
    finally:
        standard.extensions["site"].close()


def test_an_unknown_profile_stops_the_site_at_its_start(settings: Any) -> None:
    with pytest.raises(ValueError, match="DATASTORE_PASSWORD_PROFILE must be one of"):
        create_app(dataclasses.replace(settings, password_profile="FAST"))
