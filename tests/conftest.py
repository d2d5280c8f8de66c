"""Fixtures shared across test modules.

The service fixtures (a throwaway PostgreSQL schema and Redis queue prefix, an API client, API keys)
live in ``tests/test_service_support.py``; importing them here registers them for every module, so
test files name them as arguments instead of importing them.
"""

from tests.test_service_support import client_fixture, keys_fixture, service_env_fixture  # noqa: F401
