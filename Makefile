# The project's commands; each creates its environment on first use.
.PHONY: run run-check e2e test test-latest bench

run:          ## Home Assistant 2025.4 on http://localhost:8123 with a demo account (dev / dev)
	scripts/run

run-check:    ## start `make run` in a throw-away folder, check the demo entities over the API, stop
	$$(scripts/bootstrap stable)/bin/python scripts/run_check.py

e2e:          ## the browser test: `make run` in a throw-away folder, driven in Chromium; screenshots to docs/screenshots/
	scripts/e2e

test:         ## the whole suite with coverage, on Home Assistant 2025.4.4
	scripts/test stable

test-latest:  ## the whole suite on the newest Home Assistant in the registry
	scripts/test latest

bench:        ## the benchmarks, printed as a table with each figure's goal (see benchmarks/RESULTS.md)
	$$(scripts/bootstrap stable)/bin/python -m benchmarks
