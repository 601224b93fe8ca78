# The project's commands; each creates its environment on first use.
.PHONY: run run-check e2e lint test test-current bench

run:          ## Home Assistant 2026.11.0 on http://localhost:8123 with a demo account (dev / dev)
	scripts/run

run-check:    ## start `make run` in a throw-away folder, check the demo entities over the API, stop
	python3 scripts/run_check.py

e2e:          ## the browser test: `make run` in a throw-away folder, driven in Chromium; screenshots to docs/screenshots/
	scripts/e2e

lint:         ## ruff check, ruff format --check and mypy --strict on the integration (pinned in requirements/lint.txt)
	scripts/lint

test:         ## the whole suite with coverage, on Home Assistant 2025.12.4 (the oldest supported)
	scripts/test oldest

test-current: ## the whole suite with coverage, on Home Assistant 2026.11.0 (the newest) and Python 3.14
	scripts/test current

bench:        ## the benchmarks, printed as a table with each figure's goal (see benchmarks/RESULTS.md)
	scripts/python oldest -m benchmarks
