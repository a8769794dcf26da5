"""Bad input to the command line ends with one line on stderr and exit code 2, never a traceback."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tsforecast.cli import main


@pytest.fixture
def csv(tmp_path):
    """Write a CSV from a dict of columns and return its path."""

    def write(columns, name="data.csv"):
        path = tmp_path / name
        pd.DataFrame(columns).to_csv(path, index=False)
        return path

    return write


def _good_columns(n=40):
    return {
        "date": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "sales": np.sin(np.arange(n) / 3) + 5,
        "price": np.cos(np.arange(n) / 5),
    }


def _run(argv, capsys):
    code = main([*argv, "--epochs", "1", "--device", "cpu"])
    captured = capsys.readouterr()
    return code, captured.err


def _assert_one_line_error(code, err, match):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tsforecast: error: ")
    assert "Traceback" not in err
    assert match in lines[0], lines[0]


def test_missing_file(tmp_path, capsys):
    """Check that a CSV path that does not exist gives a one-line error and exit code 2."""
    code, err = _run(["--csv", str(tmp_path / "missing.csv")], capsys)
    _assert_one_line_error(code, err, "no such file")


def test_directory_instead_of_file(tmp_path, capsys):
    """Check that a directory passed as --csv gives a one-line error."""
    code, err = _run(["--csv", str(tmp_path)], capsys)
    _assert_one_line_error(code, err, "no such file")


def test_empty_file(tmp_path, capsys):
    """Check that an empty CSV file gives a one-line error."""
    path = tmp_path / "empty.csv"
    path.write_text("")
    code, err = _run(["--csv", str(path)], capsys)
    _assert_one_line_error(code, err, "No columns to parse")


@pytest.mark.parametrize("bad", ["not a date", "2024-13-45"])
def test_unparseable_dates(csv, capsys, bad):
    """Check that dates that cannot be parsed give a one-line error naming the column."""
    columns = _good_columns()
    columns["date"] = list(columns["date"][:-1]) + [bad]
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", "--target", "sales"],
                     capsys)
    _assert_one_line_error(code, err, "cannot parse the dates in column 'date'")


def test_missing_time_column(csv, capsys):
    """Check that a --time-column not in the file gives a one-line error listing the columns."""
    code, err = _run(["--csv", str(csv(_good_columns())), "--time-column", "when"], capsys)
    _assert_one_line_error(code, err, "time column 'when' is not in")


def test_missing_target_column(csv, capsys):
    """Check that a --target not in the file gives a one-line error listing the columns."""
    code, err = _run(["--csv", str(csv(_good_columns())), "--time-column", "date", "--target",
                      "revenue"], capsys)
    _assert_one_line_error(code, err, "target column 'revenue' is not in")


def test_non_numeric_target_column(csv, capsys):
    """Check that a text target column gives a one-line error about non-numeric columns."""
    columns = {**_good_columns(), "label": ["x"] * 40}
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", "--target", "label"],
                     capsys)
    _assert_one_line_error(code, err, "non-numeric")


def test_missing_values_in_target(csv, capsys):
    """Check that a gap in the target gives a one-line error that locates it."""
    columns = _good_columns()
    columns["sales"] = columns["sales"].copy()
    columns["sales"][7] = np.nan
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", "--target", "sales"],
                     capsys)
    _assert_one_line_error(code, err, "NaN")


def test_duplicate_dates(csv, capsys):
    """Check that duplicate timestamps give a one-line error."""
    columns = _good_columns()
    columns["date"] = list(columns["date"][:20]) * 2
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", "--target", "sales"],
                     capsys)
    _assert_one_line_error(code, err, "duplicate timestamps")


def test_too_short_series(csv, capsys):
    """Check that a series shorter than window + horizon gives a one-line error."""
    code, err = _run(["--csv", str(csv(_good_columns(8))), "--time-column", "date", "--target",
                      "sales"], capsys)
    _assert_one_line_error(code, err, "need at least")


def test_python_m_entry_point_prints_no_traceback(tmp_path):
    """Check, in a real process, that `python -m tsforecast` exits 2 with one stderr line."""
    result = subprocess.run(
        [sys.executable, "-m", "tsforecast", "--csv", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, timeout=120,
    )
    _assert_one_line_error(result.returncode, result.stderr, "no such file")
