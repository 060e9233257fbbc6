# The two project commands. Everything else is in tools/.
.PHONY: run test lint format

run:  ## demo database with the module and demo data, served on 127.0.0.1
	@bash tools/run.sh

test:  ## every test (Odoo test runner, browser tours, pure-Python) and the linters
	@bash tools/test.sh

lint:  ## only the linters
	@bash tools/test.sh --lint-only

format:  ## apply ruff and prettier formatting
	@bash tools/format.sh
