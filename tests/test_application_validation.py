"""application.json is refused with the field named (issue 15 item 8, issue 12 item 7): the CLI exits 2,
the API answers 422, ``docproc batch`` marks the dossier refused — one model decides for all three."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from docproc.cli import app as cli
from models.domain import Application
from tests.test_service_support import APPLICATION, Keys, auth, needs_services, write_dossier

TOMORROW_BUT_ONE = (dt.date.today() + dt.timedelta(days=3)).isoformat()

# (field, bad value, text the refusal must contain)
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("claimed_eligible_costs_kzt", -2520000.0, "claimed_eligible_costs_kzt"),
    ("claimed_eligible_costs_kzt", 0, "claimed_eligible_costs_kzt"),
    ("claimed_reimbursement_kzt", "1008000", "claimed_reimbursement_kzt"),
    ("claimed_reimbursement_kzt", True, "claimed_reimbursement_kzt"),
    # N must be a number; zero or negative N is a finding, not a refusal (tests/test_program_rules.py)
    ("prior_revenue_n_kzt", "5230000000", "prior_revenue_n_kzt"),
    ("application_date", "2021-12-31", "application_date"),  # before Rules No. 308 (2022-06-01)
    ("application_date", TOMORROW_BUT_ONE, "application_date"),
    ("measure", "space_program", "measure"),
    ("cost_type", "yacht", "cost_type"),
    ("cost_type", "lean", "cost_type"),  # a real cost type, of the organization measure
    ("currency_rates", [{"file": "a.pdf", "currency": "CNY", "rate_kzt": -65.0}], "rate_kzt"),
]


@pytest.mark.parametrize(("field", "value", "named"), BAD_VALUES)
def test_the_model_refuses_with_the_field_named(field: str, value: Any, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Application.model_validate({**APPLICATION, field: value})
    assert named in str(refused.value)


def test_every_measure_and_cost_type_of_the_rules_is_accepted() -> None:
    from models.program_rules import default_rules

    in_force = default_rules().for_date(dt.date(2024, 5, 17)).measures.measures
    for measure, rule in in_force.items():
        for cost_type in rule.cost_types:
            Application.model_validate({**APPLICATION, "measure": measure, "cost_type": cost_type})


def test_docproc_check_exits_2_naming_the_field(tmp_path: Path) -> None:
    dossier = write_dossier(tmp_path / "d", {**APPLICATION, "claimed_eligible_costs_kzt": -2520000.0})
    result = CliRunner().invoke(cli, ["check", str(dossier), "-j", "1", "-q"])
    assert result.exit_code == 2
    assert "claimed_eligible_costs_kzt" in result.output and "больше нуля" in result.output


def test_docproc_batch_marks_the_dossier_refused(tmp_path: Path) -> None:
    from docproc.batch.model import BatchOptions, Outcome
    from docproc.batch.run import run_batch
    from foundation.settings import Settings

    write_dossier(tmp_path / "archive" / "bad", {**APPLICATION, "dossier_id": "bad", "cost_type": "lean"})
    settings = Settings(data_dir=tmp_path / "var")
    summary = run_batch([tmp_path / "archive"], settings, BatchOptions(journal_path=tmp_path / "j.sqlite3"))
    (row,) = summary.rows
    assert row.status == Outcome.REFUSED and "cost_type" in (row.reason or "")


@needs_services
@pytest.mark.parametrize(("field", "value", "named"), BAD_VALUES[:3] + BAD_VALUES[7:10])
def test_the_api_answers_422_naming_the_field(client: Any, keys: Keys, field: str, value: Any, named: str) -> None:
    response = client.post("/v1/applications", json={**APPLICATION, field: value}, headers=auth(keys.portal))
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]["message"]


@needs_services
def test_a_dossier_zip_with_bad_application_data_is_422(client: Any, keys: Keys) -> None:
    from tests.test_service_support import dossier_zip

    archive = dossier_zip({**APPLICATION, "claimed_reimbursement_kzt": -1.0})
    response = client.post(
        "/v1/dossiers", files={"file": ("d.zip", archive, "application/zip")}, headers=auth(keys.portal)
    )
    assert response.status_code == 422
    assert "claimed_reimbursement_kzt" in json.dumps(response.json(), ensure_ascii=False)
