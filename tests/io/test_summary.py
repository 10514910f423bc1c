"""The end-of-run summary reads the last metrics row in display units (from the registry)."""

from zndeposit.io.metrics_csv import MetricsWriter, standard_columns
from zndeposit.io.summary import run_summary


def test_summary_reports_last_row_in_lab_units(tmp_path):
    path = tmp_path / "metrics.csv"
    with MetricsWriter(path, standard_columns(["electrolyte"])) as w:
        w.write({"t": 0.0, "E": 0.0, "faraday_error": 0.0, "steps_accepted": 0})
        w.write({"t": 9.0, "E": -0.11941, "charge": 1800.0, "dendrite_height": 1.25e-6,
                 "tip_lead": 3.5e-8, "c_interface_min": 1813.2, "c_interface_mean": 1900.0,
                 "current_focusing": 1.0375, "faraday_error": 3e-10,
                 "steps_accepted": 25})  # fmt: skip
    text = run_summary(path)
    assert text.splitlines()[0] == "t = 9 s after 25 steps:"
    assert "Electrode potential" in text and "-119.41 mV" in text  # V -> mV
    assert "0.05 mAh/cm^2" in text  # 1800 C/m^2
    assert "1.25 um" in text and "0.035 um" in text
    assert "1.813 mol/L" in text and "1.9 mol/L" in text
    assert "Current focusing" in text and "1.038" in text  # dimensionless: no unit
    assert "3.00e-10" in text
    assert "Tip rise" not in text  # NaN values are left out


def test_summary_of_an_old_file_without_new_columns(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("t [s],E [V],faraday_error [-],steps_accepted [-]\n0.0,-0.1,0.0,0\n")
    assert "-100.00 mV" in run_summary(path)


def test_summary_of_an_empty_run(tmp_path):
    path = tmp_path / "metrics.csv"
    with MetricsWriter(path, standard_columns()):
        pass
    assert run_summary(path) == "no output was written"
