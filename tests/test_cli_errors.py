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
    assert "--fill-gaps" in err


def test_duplicate_dates(csv, capsys):
    """Check that duplicate timestamps give a one-line error."""
    columns = _good_columns()
    columns["date"] = list(columns["date"][:20]) * 2
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", "--target", "sales"],
                     capsys)
    _assert_one_line_error(code, err, "duplicate timestamps")


@pytest.mark.parametrize("target", [["--target", "sales"], []])
def test_long_csv_without_id_column_points_to_id_column(csv, capsys, target):
    """Check that a panel in long form read as one series (duplicate timestamps, a text column)
    is refused with the option that reads it as a panel, like the Python API's id_column= hint;
    before any complaint about the numeric columns."""
    columns = {**_panel_columns(), "price": np.arange(60.0)}
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", *target], capsys)
    _assert_one_line_error(code, err, "time column 'date' has duplicate timestamps (first: "
                           "2024-01-01")
    assert "if column 'store' identifies the series of a panel in long form, rerun with " \
           "--id-column store" in err


def test_duplicate_numeric_timestamps_without_text_column_mention_id_column(csv, capsys):
    """Check that duplicates in a file without text columns still name --id-column."""
    columns = {"year": [2000, 2001, 2001, 2002], "v": [1.0, 2.0, 3.0, 4.0]}
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "year"], capsys)
    _assert_one_line_error(code, err, "duplicate timestamps (first: 2001); keep one row per "
                           "time step, or, for a panel in long form, name the column that "
                           "identifies the series with --id-column")


@pytest.mark.parametrize(
    "n_rows, argv, match",
    [(8, [], "the series has 8 rows (1 to fit on after --holdout 7), too short for --horizon 7"),
     (12, ["--holdout", "0", "--window", "10"], "need at least")],
)
def test_too_short_series(csv, capsys, n_rows, argv, match):
    """Check that a series shorter than window + horizon gives a one-line error."""
    code, err = _run(["--csv", str(csv(_good_columns(n_rows))), "--time-column", "date",
                      "--target", "sales", *argv], capsys)
    _assert_one_line_error(code, err, match)


def test_python_m_entry_point_prints_no_traceback(tmp_path):
    """Check, in a real process, that `python -m tsforecast` exits 2 with one stderr line."""
    result = subprocess.run(
        [sys.executable, "-m", "tsforecast", "--csv", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, timeout=120,
    )
    _assert_one_line_error(result.returncode, result.stderr, "no such file")


@pytest.mark.parametrize(
    "option, value, minimum",
    [("--horizon", "-3", 1), ("--horizon", "0", 1), ("--season", "0", 1),
     ("--holdout", "-1", 0), ("--window", "0", 1), ("--epochs", "0", 1),
     ("--plot-history", "-1", 0), ("--horizon", "two", 1)],
)
def test_bad_option_value_is_refused_naming_the_option(capsys, option, value, minimum):
    """Check that a number out of range is refused (not replaced by a default), naming it."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--dataset", "nile", option, value, "--epochs", "1", "--device", "cpu"])
    err = capsys.readouterr().err
    _assert_one_line_error(exit_info.value.code, err, f"argument {option}: must be an int >= "
                           f"{minimum}")


@pytest.mark.parametrize(
    "argv, match",
    [(["--bogus"], "unrecognized arguments: --bogus"),
     (["--dataset", "nope"], "invalid choice: 'nope'"),
     (["--dataset", "nile", "--csv", "x.csv"], "not allowed with argument"),
     (["--fill-gaps", "zero"], "invalid choice: 'zero'")],
)
def test_argparse_errors_are_one_line(capsys, argv, match):
    """Check that errors found by argparse print one line, without the usage, and exit 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    _assert_one_line_error(exit_info.value.code, capsys.readouterr().err, match)


@pytest.mark.parametrize(
    "argv, match",
    [(["--holdout", "40"], "the series has 40 rows, too short for --holdout 40"),
     (["--horizon", "40", "--holdout", "0"], "(40 to fit on after --holdout 0), too short for "
                                             "--horizon 40"),
     (["--horizon", "30", "--holdout", "10"], "(30 to fit on after --holdout 10), too short for "
                                              "--horizon 30")],
)
def test_holdout_or_horizon_as_long_as_the_series(csv, capsys, argv, match):
    """Check that a holdout or horizon that leaves nothing to fit on says so with the numbers."""
    path = csv(_good_columns(40))
    code, err = _run(["--csv", str(path), "--time-column", "date", "--target", "sales", *argv],
                     capsys)
    _assert_one_line_error(code, err, match)


def test_gap_in_dates_names_the_fill_gaps_option(csv, capsys):
    """Check that missing dates are refused with the CLI option that fills them."""
    columns = {key: value[[*range(5), *range(7, 40)]] for key, value in
               {k: np.asarray(v) for k, v in _good_columns().items()}.items()}
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "date", "--target", "sales"],
                     capsys)
    _assert_one_line_error(code, err, "2 missing step(s) of 'D' (first: 2024-01-06")
    assert "--fill-gaps interpolate" in err and "asfreq" not in err


def test_integer_labels_with_uneven_steps_are_refused(csv, capsys):
    """Check that integer labels whose steps are not multiples of the smallest are refused."""
    columns = {"year": [2000, 2003, 2005, 2010], "v": [1.0, 2.0, 3.0, 4.0]}
    code, err = _run(["--csv", str(csv(columns)), "--time-column", "year"], capsys)
    _assert_one_line_error(code, err, "not evenly spaced")


def test_broken_pipe_exits_quietly(tmp_path):
    """Check, in a real process, that output into a closed pipe ends without a traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tsforecast", "--dataset", "nile", "--holdout", "0", "--epochs",
         "1", "--device", "cpu"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    process.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) in (0, 1)
    assert "BrokenPipeError" not in err and "Traceback" not in err, err


def _panel_columns(lengths=(30, 30)):
    """Columns of a long monthly panel: store s0, s1, ... with `lengths` rows each."""
    return {
        "store": np.concatenate([[f"s{k}"] * n for k, n in enumerate(lengths)]),
        "date": np.concatenate([pd.date_range("2024-01-01", periods=n, freq="MS")
                                .strftime("%Y-%m-%d") for n in lengths]),
        "sales": np.concatenate([np.sin(np.arange(n) / 3) + 5 + k for k, n in
                                 enumerate(lengths)]),
    }


@pytest.mark.parametrize(
    "columns, argv, match",
    [(None, ["--id-column", "shop", "--time-column", "date"],
      "id column 'shop' is not in {csv}; columns: ['store', 'date', 'sales']"),
     (None, ["--id-column", "store"], "--id-column needs --time-column"),
     (None, ["--id-column", "store", "--time-column", "day"],
      "time column 'day' is not in {csv}; columns: ['store', 'date', 'sales']"),
     ({"lengths": (30, 5)}, ["--id-column", "store", "--time-column", "date", "--holdout", "5"],
      "1 of 2 series have at most 5 rows (first: 's1', 5 rows), too short for --holdout 5"),
     ({"drop": 33}, ["--id-column", "store", "--time-column", "date"],
      "series 's1': time column 'date' has gaps: 1 missing step(s) of 'MS' (first: 2024-04-01"),
     ({"duplicate": 40}, ["--id-column", "store", "--time-column", "date"],
      "series 's1' has duplicate timestamps in column 'date' (first: 2024-11-01"),
     (None, ["--id-column", "store", "--time-column", "date", "--plot", "p.png",
             "--plot-ids", "s1,s9"], "--plot-ids: series ['s9'] not in {csv}; its ids: ['s0', "
                                     "'s1']"),
     (None, ["--id-column", "store", "--time-column", "date", "--plot-ids", "s1"],
      "--plot-ids picks the series of the plot; it needs --plot"),
     (None, ["--time-column", "date", "--target", "sales", "--plot-ids", "s1"],
      "--plot-ids picks series of a panel; it needs --id-column")],
)
def test_panel_input_errors_are_one_line(csv, capsys, columns, argv, match):
    """Check the one-line errors of a panel CSV: missing id or time column (naming the columns),
    series too short for the holdout, gaps or duplicates in one series, bad --plot-ids."""
    columns = columns or {}
    data = _panel_columns(columns.get("lengths", (30, 30)))
    if "drop" in columns:
        data = {key: np.delete(value, columns["drop"]) for key, value in data.items()}
    if "duplicate" in columns:
        data = {key: np.append(value, value[columns["duplicate"]]) for key, value in data.items()}
    path = csv(data)
    code, err = _run(["--csv", str(path), *argv], capsys)
    _assert_one_line_error(code, err, match.replace("{csv}", str(path)))


@pytest.mark.parametrize("dates", ["text", "numbers"])
@pytest.mark.parametrize("panel", [False, True])
def test_empty_timestamps_are_refused_with_their_count(csv, capsys, dates, panel):
    """Check that empty cells in the time column (text dates or integer steps) are refused,
    with how many there are, for one series and for a panel."""
    columns = _good_columns()
    if dates == "numbers":
        columns["date"] = np.arange(40)
    frame = pd.DataFrame(columns)
    frame.loc[[5, 9], "date"] = None
    extra = []
    if panel:
        frame["store"] = "a"
        extra = ["--id-column", "store"]
    code, err = _run(["--csv", str(csv(frame.to_dict("list"))), "--time-column", "date",
                      "--target", "sales", *extra], capsys)
    _assert_one_line_error(code, err, "time column 'date' has 2 empty value")
