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

# Real AWS: deploys, checks and destroys trials in a sandbox account (README, "Real-cloud acceptance
# tests"). Needs the pulumi CLI, AWS credentials, PULUMI_CONFIG_PASSPHRASE and a Route 53 zone.
APPS ?=
DOMAIN_SUFFIX ?= $(COUNCILKIT_ACCEPTANCE_DOMAIN_SUFFIX)
REGION ?= eu-west-2
acceptance: $(STAMP)  ## real-account trials of APPS (default all) under DOMAIN_SUFFIX; reports in out/acceptance/<run id>
	$(BIN)/python -m pytest tests/acceptance -p no:cacheprovider -q -rfs --apps '$(APPS)' \
		--domain-suffix '$(DOMAIN_SUFFIX)' --region '$(REGION)' --acceptance-out out/acceptance

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
