# Two commands on a fresh clone with only Python 3.11+ and make: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench acceptance clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("councilkit needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## offline plan of LocalGov Drupal on AWS: no account, credentials or pulumi CLI
	@mkdir -p out
	$(BIN)/councilkit plan localgov-drupal --cloud aws --tier trial --json out/plan.json

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/plan.py

# Real cloud: deploys, checks and destroys trials in a sandbox AWS account (default) or, with
# CLOUD=azure, an Azure subscription (README, "Real-cloud acceptance tests"). Needs the pulumi CLI,
# PULUMI_CONFIG_PASSPHRASE, the cloud's credentials (Azure: `az login`, SUBSCRIPTION) and a DNS zone.
CLOUD ?= aws
APPS ?=
TIERS ?=
SUBSCRIPTION ?=
DOMAIN_SUFFIX ?= $(COUNCILKIT_ACCEPTANCE_DOMAIN_SUFFIX)
REGION ?=
acceptance: $(STAMP)  ## real-cloud trials of APPS (default all) under DOMAIN_SUFFIX; reports in out/acceptance/<run id>
	$(BIN)/python -m pytest tests/acceptance -p no:cacheprovider -q -rfs --cloud '$(CLOUD)' --apps '$(APPS)' \
		--tiers '$(TIERS)' --subscription '$(SUBSCRIPTION)' --domain-suffix '$(DOMAIN_SUFFIX)' --region '$(REGION)' \
		--acceptance-out out/acceptance

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
