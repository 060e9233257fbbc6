# The two project commands. Everything else is in dev/.
.PHONY: run test lint format readme package bench screenshots documents i18n

run:  ## demo database with the module and demo data, served on 127.0.0.1
	@bash dev/run.sh

test:  ## every test (Odoo test runner, browser tours, pure-Python) and the linters
	@bash dev/test.sh

lint:  ## only the linters (pre-commit run --all-files, .pre-commit-config.yaml)
	@bash dev/test.sh --lint-only

format:  ## apply ruff, prettier and OCA's XML fixes
	@bash dev/format.sh

readme:  ## regenerate README.rst from readme/*.rst and the manifest
	@bash dev/hook.sh readme

package:  ## dist/membership_dues-<version>.zip of HEAD, without the development files
	@bash dev/package.sh

bench:  ## benchmarks (pure tariff engine, fees of 10,000 members in Odoo); not part of make test
	@bash dev/bench.sh all

screenshots:  ## PNGs of the main screens of the demo served by make run, in screenshots/
	@bash dev/screenshots.sh

documents:  ## PNG pages of every document members receive (fr, nl, en), printed by the make run server, in documents/
	@bash dev/documents.sh

i18n:  ## regenerate i18n/membership_dues.pot and merge it into i18n/fr.po and i18n/nl.po
	@bash dev/i18n.sh
