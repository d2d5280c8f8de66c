"""Issue 12 through ``docproc check``: Q equal to a lower claim in the report and the JSON, N = 0, the cap
across applications from the embedded SQLite history, and the report's wording."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from docproc.cli import app
from models.db import make_engine, make_session_factory, upgrade_database
from models.domain import Applicant, Application
from models.repository import save_result, upsert_application
from tests.test_cli import FIXTURE_DOSSIERS, env_fixture  # noqa: F401 - the CLI fixture (data dir, OCR replay)

runner = CliRunner()
CLEAN = FIXTURE_DOSSIERS / "clean_ru"  # organization / lean, 10.01.2025, Q = 46 504 800,00 (40 % of 116 262 000)


def _dossier(env: Path, **changes: object) -> Path:
    target = env / "dossier"
    shutil.copytree(CLEAN, target)
    (target / "expected.json").unlink()
    path = target / "application.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def test_a_lower_claim_is_q_in_the_report_and_the_json(env: Path) -> None:
    dossier = _dossier(env, claimed_reimbursement_kzt=20_000_000.0)
    full, expected = env / "full.json", env / "expected.json"
    res = runner.invoke(app, ["check", str(dossier), "--json", str(full), "-j", "1", "--no-record"])
    assert res.exit_code == 0, res.output
    report = _plain(res.output)
    assert "Возмещение Q: 20 000 000,00 KZT (определено заявленной суммой)" in report
    assert "116 262 000,00" in report  # declared and confirmed costs side by side
    computed = json.loads(full.read_text(encoding="utf-8"))["computed"]
    assert computed["reimbursement_kzt"] == 20_000_000.0 and computed["reimbursement_limited_by"] == "claim"
    assert computed["eligible_costs_kzt"] == 116_262_000.0
    assert computed["counter_obligation_kzt"] == 17_824_173_000.0 + 40_000_000.0
    res = runner.invoke(
        app, ["check", str(dossier), "--json", str(expected), "--format", "expected", "-j", "1", "-q", "--no-record"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(expected.read_text(encoding="utf-8"))["computed"]["reimbursement_kzt"] == 20_000_000.0


def test_n_zero_is_a_finding_and_no_counter_obligation(env: Path) -> None:
    dossier = _dossier(env, prior_revenue_n_kzt=0)
    out = env / "full.json"
    res = runner.invoke(app, ["check", str(dossier), "--json", str(out), "-j", "1", "--no-record"])
    assert res.exit_code == 0, res.output
    report = _plain(res.output)
    assert "Не указан доход N" in report and "PRIOR_REVENUE_INVALID" not in report  # words, not codes
    assert "Встречное обязательство N + 2Q: не определено" in report
    full = json.loads(out.read_text(encoding="utf-8"))
    assert any(f["code"] == "PRIOR_REVENUE_INVALID" and f["severity"] == "error" for f in full["findings"])
    assert full["computed"]["counter_obligation_kzt"] is None


def test_the_embedded_history_counts_against_the_cap(env: Path) -> None:
    # An earlier application of the same applicant for the same measure, already recorded with Q = 30 mln.
    url = f"sqlite:///{env / 'var' / 'docproc.sqlite3'}"
    upgrade_database(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        earlier = Application(
            dossier_id="earlier_2024",
            applicant=Applicant(name="АО «ҚызылжарЦемент»", bin="040340783798"),
            measure="organization",
            cost_type="lean",
            application_date=dt.date(2024, 6, 3),
            claimed_eligible_costs_kzt=75_000_000.0,
            claimed_reimbursement_kzt=30_000_000.0,
            prior_revenue_n_kzt=17_000_000_000.0,
        )
        row = upsert_application(session, earlier)
        save_result(session, row, {"computed": {"reimbursement_kzt": 30_000_000.0}, "findings": []})
        session.commit()
    engine.dispose()
    out = env / "full.json"
    res = runner.invoke(app, ["check", str(_dossier(env)), "--json", str(out), "-j", "1"])
    assert res.exit_code == 0, res.output
    full = json.loads(out.read_text(encoding="utf-8"))
    assert full["computed"]["cap_used_kzt"] == 30_000_000.0
    assert full["computed"]["reimbursement_kzt"] == 30_000_000.0  # 60 mln cap less 30 mln already paid
    cap = next(f for f in full["findings"] if f["code"] == "CAP_EXCEEDED_ACROSS_APPLICATIONS")
    assert "earlier_2024 от 03.06.2024" in cap["message"]
    assert "Возмещение Q: 30 000 000,00 KZT (определено пределом)" in _plain(res.output)
    # Checked again, the application does not count against itself.
    res = runner.invoke(app, ["check", str(env / "dossier"), "--json", str(out), "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8"))["computed"]["cap_used_kzt"] == 30_000_000.0


def test_the_report_reads_as_a_reviewer_needs(env: Path) -> None:
    res = runner.invoke(app, ["check", str(_dossier(env)), "-j", "1", "--no-record"])
    assert res.exit_code == 0, res.output
    report = _plain(res.output)
    assert "Досье комплектно" not in report
    assert "Замечаний по документам нет" in report and "Вручную остается проверить" in report
    assert "Дата заявки: 10.01.2025" in report and "с 10.01.2023" in report
    assert "2025-01-10" not in report
    assert "Условия участия" in report
