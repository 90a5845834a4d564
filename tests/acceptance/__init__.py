"""Real-cloud acceptance suite: deploys trials into a sandbox AWS account, checks and destroys them.

Run by `make acceptance` (`python -m acceptance`, with tests/ on the path), never by `make test`:
tests/conftest.py leaves this folder out of normal collection. The orchestration is tested offline
in tests/test_acceptance_orchestration.py.
"""
