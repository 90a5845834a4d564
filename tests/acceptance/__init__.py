"""Real-cloud acceptance suite: deploys trials into a sandbox AWS account or Azure subscription, checks
and destroys them.

Run by `make acceptance` (`CLOUD=azure` for Azure), never by `make test`:
tests/conftest.py leaves this folder out of normal collection. The orchestration is tested offline
in tests/test_acceptance_orchestration.py (AWS) and tests/test_acceptance_azure_orchestration.py (Azure).
"""
