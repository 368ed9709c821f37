from tests.contracts.conftest import contracted  # noqa: F401 - the contracted world fixture
