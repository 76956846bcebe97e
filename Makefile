# The menu of the project: `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
export SAM_CLI_TELEMETRY := 0
export PYTHONDONTWRITEBYTECODE := 1

STAGE ?= dev
REGION ?= $(shell $(BIN)/python -c "import boto3; print(boto3.session.Session().region_name or '')" 2>/dev/null)
PORT ?= 8080
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv synth build lint test local bench soak invoke events smoke deploy diff deploy-api deploy-web list destroy publish doctor clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## Create .venv and install the pinned requirements

synth: venv ## Write build/api.yaml and build/web.yaml from templates/
	$(BIN)/python scripts/synth.py

build: synth ## sam build both templates (into .aws-sam/api and .aws-sam/web)
	$(BIN)/python scripts/sam_build.py

lint: synth ## ruff, cfn-lint and sam validate --lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint build/api.yaml build/web.yaml
	$(BIN)/sam validate --lint -t build/api.yaml
	$(BIN)/sam validate --lint -t build/web.yaml --region us-east-1

test: lint ## Lint, then run the whole test suite
	$(BIN)/python -m pytest

local: synth ## Run the whole backend on localhost (AUTH=1 adds a local token issuer)
	$(BIN)/python scripts/local.py --port $(PORT) $(if $(AUTH),--local-issuer) $(ARGS)

bench: synth ## Measure latency, throughput, AWS calls and cost; writes build/bench.json
	$(BIN)/python scripts/bench.py $(ARGS)

soak: synth ## The load and fault suite at a larger size
	SOAK=1 $(BIN)/python -m pytest tests/load -p no:cacheprovider $(ARGS)

invoke: synth ## Invoke one function without Docker: make invoke FN=MessageFunction EVENT=events/x.json
	$(BIN)/python scripts/invoke.py $(FN) $(EVENT)

events: synth ## Regenerate events/ (the sam local invoke and make invoke fixtures)
	$(BIN)/python scripts/make_events.py

smoke: venv ## End-to-end check of a WebSocket URL: make smoke URL=wss://... [TOKEN=...]
	$(BIN)/python scripts/smoke.py $(URL) $(if $(TOKEN),--token $(TOKEN))

doctor: venv ## Check credentials, region, SAM CLI and Python
	$(BIN)/python scripts/doctor.py --region "$(REGION)"

deploy: synth ## Deploy both stacks: make deploy STAGE=dev REGION=eu-west-1 [WEB_DIR=...]
	$(BIN)/python scripts/deploy.py deploy --stage $(STAGE) --region "$(REGION)" $(if $(WEB_DIR),--web-dir $(WEB_DIR))

deploy-api: synth ## Deploy the API stack only
	$(BIN)/python scripts/deploy.py deploy --only api --stage $(STAGE) --region "$(REGION)"

deploy-web: synth ## Deploy the web stack only (reads the API stack's outputs)
	$(BIN)/python scripts/deploy.py deploy --only web --stage $(STAGE) --region "$(REGION)" $(if $(WEB_DIR),--web-dir $(WEB_DIR))

diff: synth ## Preview both stacks' change sets without executing them
	$(BIN)/python scripts/deploy.py diff --stage $(STAGE) --region "$(REGION)"

list: venv ## List this project's stacks and their status
	$(BIN)/python scripts/deploy.py list --stage $(STAGE) --region "$(REGION)"

destroy: venv ## Delete both stacks (retries the Lambda@Edge replica delay)
	$(BIN)/python scripts/deploy.py destroy --stage $(STAGE) --region "$(REGION)" $(if $(YES),--yes)

publish: venv ## Publish a static site: make publish WEB_DIR=dist
	$(BIN)/python scripts/publish_web.py $(WEB_DIR) --stage $(STAGE)

clean: ## Remove build output (keeps .venv)
	rm -rf build .aws-sam .pytest_cache
