# Quick start: `make demo` (set up + check the bundled demo dossier), `make test` (set up + run the tests).
.PHONY: setup demo test eval lint typecheck

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/docproc check demo/dossier_demo --json var/demo_result.json

test: setup
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -q

eval: setup
	.venv/bin/docproc eval ../shared/corpus/dev --out var/eval
	.venv/bin/python ../shared/tools/score.py --expected ../shared/corpus/dev --actual var/eval

lint: setup
	.venv/bin/ruff check .

typecheck: setup
	.venv/bin/mypy foundation ingest ocr extractors validators models docproc
