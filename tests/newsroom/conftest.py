import pytest

from newsroom.models import Role
from tests.factories import section_of


@pytest.fixture
def reporter(staff):
    return staff[Role.REPORTER]


@pytest.fixture
def section(agency):
    return section_of(agency)


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client
