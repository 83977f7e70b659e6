"""Code tests of the CLI contract: options, one JSON line on stdout, clean failure on bad data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from training import train
from training.tests.conftest import run_cli


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    args = train.parse_args([])
    assert args.tracking_uri == "sqlite:///.mlflow/mlflow.db"
    assert args.output_dir == Path("build/model")
    assert args.experiment == "spam-classifier"
    assert args.model_name == "spam-classifier"
    assert args.force_promote is None


def test_tracking_uri_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert train.parse_args([]).tracking_uri == "http://127.0.0.1:5000"
    assert train.parse_args(["--tracking-uri", "sqlite:///x.db"]).tracking_uri == "sqlite:///x.db"


def test_sqlite_store_puts_artifacts_beside_the_database(tmp_path: Path) -> None:
    root = train.configure_tracking(f"sqlite:///{tmp_path}/store/mlflow.db")
    assert root == (tmp_path / "store" / "artifacts").as_uri()
    assert train.configure_tracking("http://127.0.0.1:1") is None


def test_library_output_on_stdout_goes_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with train.stdout_to_stderr():
        print("noise from a library")
        os.write(1, b"noise from C code\n")
    print("the summary")
    out, err = capfd.readouterr()
    assert out == "the summary\n"
    assert "noise from a library" in err and "noise from C code" in err


BAD = {
    "empty.csv": b"",
    "missing-columns.csv": b"label,message\r\nham,hi\r\n",
    "unknown-labels.csv": b"v1,v2\r\nham,hi\r\nphishing,click\r\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_data_exits_non_zero_and_registers_nothing(tmp_path: Path, name: str, capfd, caplog) -> None:
    data = tmp_path / name
    data.write_bytes(BAD[name])
    store = tmp_path / "store"
    code = train.main(
        ["--data", str(data), "--tracking-uri", f"sqlite:///{store}/mlflow.db", "--output-dir", str(tmp_path / "out")]
    )
    out, _ = capfd.readouterr()
    assert code == train.EXIT_DATA_ERROR
    assert out == ""
    assert "data validation failed, nothing was logged or registered" in caplog.text
    assert str(data) in caplog.text
    assert not store.exists(), "a bad data file must not even create the tracking store"
    assert not (tmp_path / "out").exists()


def test_bad_data_via_the_real_cli_process(tmp_path: Path) -> None:
    data = tmp_path / "empty.csv"
    data.write_bytes(b"")
    result = run_cli("--data", str(data), "--tracking-uri", f"sqlite:///{tmp_path}/s/mlflow.db", timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "data file is empty" in result.stderr


def test_unknown_candidate_is_an_error(tmp_path: Path, caplog) -> None:
    code = train.main(["--candidates", "svm", "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db"])
    assert code == train.EXIT_FAILURE
    assert "unknown candidate" in caplog.text


def test_module_entry_point_exists() -> None:
    assert sys.modules["training.train"].main is train.main


def test_git_commit_from_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Container images have no git; their build passes the commit as GIT_COMMIT."""
    monkeypatch.setenv("GIT_COMMIT", "abc1234")
    assert train.git_commit() == "abc1234"
    monkeypatch.setenv("GIT_COMMIT", "unknown")
    assert train.git_commit() != "unknown"
