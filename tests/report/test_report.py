"""report.html: self-contained, key figures equal to summary.json, every chart rendered in a real browser.

The browser test drives the system's headless Chromium through selenium and the system
chromedriver (Debian: ``apt-get install chromium chromium-driver``; ``.ci/run`` installs them
where missing). Without them it is skipped, with the reason.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli.app import app
from optimizer.report import report_kind, scenario_inputs, write_report, write_study_report
from optimizer.report.page import decimals_for
from optimizer.report.run_report import THINNED_POINTS, thin_positions
from optimizer.report.study_report import find_axes
from optimizer.studies.pareto import pareto_front

RUN_KPIS = {
    "bill_baseline_usd": "usd",
    "bill_optimized_usd": "usd",
    "savings_usd": "usd",
    "peak_import_baseline_mw": "mw",
    "peak_import_optimized_mw": "mw",
    "equivalent_full_cycles": "cycles",
}
RUN_CHARTS = {"chart-waterfall", "chart-dispatch", "chart-ramp", "chart-headroom", "chart-survival"}
STUDY_CHARTS = {"chart-savings", "chart-heatmap", "chart-pareto"}


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def small_result():
    """Four days of the built-in default scenario around Winter Storm Uri (384 intervals)."""
    import datetime as dt

    from optimizer import load_scenario, optimize

    sc = load_scenario("default", start=dt.datetime(2021, 2, 14), end=dt.datetime(2021, 2, 18))
    return sc, optimize(sc)


@pytest.fixture(scope="module")
def run_dir(small_result, tmp_path_factory):
    sc, result = small_result
    out = tmp_path_factory.mktemp("run")
    result.to_dir(out, plot=False)
    write_report(out, inputs=scenario_inputs(sc))
    return out


@pytest.fixture(scope="module")
def grid_dir(tmp_path_factory):
    """One day of the built-in grid-stability scenario at 5 min: two TVA events, ramp limit, swing and reserve."""
    import datetime as dt

    from optimizer import load_scenario, optimize

    sc = load_scenario(
        "grid-stability", start=dt.datetime(2021, 2, 16, 12), end=dt.datetime(2021, 2, 17, 12)
    )
    out = tmp_path_factory.mktemp("grid")
    optimize(sc).to_dir(out, plot=False)
    write_report(out, inputs=scenario_inputs(sc))
    return out


@pytest.fixture(scope="module")
def event_dir(run_dir, tmp_path_factory):
    """The same run with two utility events written into the schedule's ``event`` column."""
    out = tmp_path_factory.mktemp("events")
    for name in ("summary.json", "schedule.parquet"):
        shutil.copy(run_dir / name, out / name)
    s = pd.read_parquet(out / "schedule.parquet")
    ev = np.full(len(s), "", dtype=object)
    ev[40:48] = "uri-1"
    ev[200:212] = "uri-2"
    s["event"] = pd.array(ev, dtype="string")
    s.to_parquet(out / "schedule.parquet")
    write_report(out)
    return out


def _cases() -> pd.DataFrame:
    rows = []
    for units in (300, 600, 900):
        for cap in (950.0, 1000.0):
            bill = 50e6 - 4e3 * units - 500 * (cap - 950)
            rows.append(
                {
                    "case_id": f"c{units}-{cap:.0f}",
                    "position": len(rows),
                    "label": "",
                    "status": "optimal",
                    "fleet_units": units,
                    "fleet_power_mw": 0.979 * units,  # derived from fleet_units: not an axis
                    "import_limit_mw": cap,
                    "total_usd": bill,
                    "savings_usd": 52e6 - bill,
                    "peak_import_mw": cap - 0.02 * units,
                    "solve_s": 0.3,
                }
            )
    rows.append(
        {
            "case_id": "bad",
            "status": "infeasible",
            "fleet_units": 0,
            "import_limit_mw": 800.0,
            "message": "import cap below load",
        }
    )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    _cases().to_parquet(out / "cases.parquet")
    write_study_report(out)
    return out


# ----------------------------------------------------------------------------- helpers
class _Ids(HTMLParser):
    """Collect id -> (attributes, text) for elements with an id, and every script/link src."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.srcs: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if a.get(k):
                self.srcs.append(a[k])
        if "id" in a:
            self.by_id[a["id"]] = {"attrs": a, "text": "", "tag": tag}
            self._open.append(a["id"])
        else:
            self._open.append("")

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for i in self._open:
            if i:
                self.by_id[i]["text"] += data


def _parse(path: Path) -> _Ids:
    p = _Ids()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _number(text: str) -> float:
    """A displayed figure ('$1,234', '-$12.50', '909.5') back to a float."""
    t = text.strip().replace(",", "").replace("$", "")
    return float(t)


def _check_shown(text: str, value: float, unit: str) -> None:
    """The displayed text equals the summary number at the precision it is shown with."""
    d = decimals_for(unit, value)
    assert _number(text) == pytest.approx(value, abs=0.5 * 10**-d + 1e-9), (text, value)
    assert len(text.split(".")[-1]) == d if d else "." not in text


# ----------------------------------------------------------------------- unit: run report
def test_report_is_self_contained(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in html
    assert "src='http" not in html
    assert not re.search(r"<script[^>]+src=", html), "every script must be inline"
    assert not re.search(r"<link[^>]+href=", html), "no external stylesheet"
    assert "cdn.plot.ly" not in html.split("</head>")[1], "a figure references the CDN"
    assert "Plotly.newPlot" in html, "plotly.js must be inlined"
    assert len(html) > 3_000_000, "plotly.js must be inlined once"
    assert html.count("* plotly.js v") == 1, "one bundle, not one per figure"
    assert html.count("window.PlotlyConfig") == 1


def test_key_figures_equal_summary(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    ids = _parse(run_dir / "report.html").by_id
    for key, unit in RUN_KPIS.items():
        el = ids[f"kpi-{key}"]
        assert float(el["attrs"]["data-value"]) == summary[key]
        _check_shown(el["text"], summary[key], unit)
    assert ids["kpi-events"]["text"] == "no events"


def test_charts_notes_and_inputs_present(run_dir, small_result):
    sc, _ = small_result
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    ids = _parse(run_dir / "report.html").by_id
    assert set(ids) >= RUN_CHARTS
    summary = json.loads((run_dir / "summary.json").read_text())
    for note in summary["notes"]:
        assert (
            json.dumps(note)[1:-1].replace("/", "\\/") in html or note.replace("&", "&amp;") in html
        )
    assert '"name":"import cap"' in html  # drawn from the schedule's import_cap_mw
    assert "inputs.site.import_limit_mw" in html
    assert "inputs.tariff.demand_charge_usd_per_mw" in html


def test_report_without_inputs_renders_summary_metadata(run_dir, tmp_path):
    """`report DIR` has only the folder: it renders whatever metadata summary.json holds."""
    for name in ("summary.json", "schedule.parquet"):
        shutil.copy(run_dir / name, tmp_path / name)
    schedule = pd.read_parquet(tmp_path / "schedule.parquet")
    schedule.drop(columns=["import_cap_mw"], errors="ignore").to_parquet(
        tmp_path / "schedule.parquet"
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary["inputs"] = {"site": {"import_limit_mw": 999.0}, "price_source": "MISO via EIA"}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert "inputs.price_source" in html
    assert "MISO via EIA" in html
    assert "import cap 999 MW" in html


def test_grid_run_events_ramp_and_headroom(grid_dir):
    """Events served, the ramp limit and the headroom need come from summary.json and the schedule."""
    summary = json.loads((grid_dir / "summary.json").read_text())
    events = summary["grid"]["events"]
    assert len(events) == 2
    served = sum(e["import_during_max_mw"] <= e["cap_mw"] + 1e-6 * e["cap_mw"] for e in events)
    ids = _parse(grid_dir / "report.html").by_id
    assert ids["kpi-events"]["text"] == f"{served} of {len(events)}"
    assert float(ids["kpi-events"]["attrs"]["data-value"]) == served
    for key, unit in RUN_KPIS.items():
        _check_shown(ids[f"kpi-{key}"]["text"], summary[key], unit)
    assert {"chart-ramp", "chart-headroom", "events"} <= set(ids)
    html = (grid_dir / "report.html").read_text(encoding="utf-8")
    limit = summary["grid"]["ramp"]["rise_limit_mw"]
    assert f"rise limit {limit:,.1f} MW per interval" in html
    assert (
        f"steps outside the limits: {summary['grid']['ramp']['violations_optimized']} with batteries, {summary['grid']['ramp']['violations_baseline']} without"
        in html
    )
    assert "swing_up_mw + reserve_up_mw" in html
    for e in events:
        assert f"event {e['event_id']}" in html


def test_events_from_the_schedule_alone(event_dir):
    """Without performance in summary.json, the report counts the event ids in the schedule."""
    ids = _parse(event_dir / "report.html").by_id
    assert ids["kpi-events"]["text"] == "2"
    html = (event_dir / "report.html").read_text(encoding="utf-8")
    assert "event uri-1" in html
    assert "event uri-2" in html


def test_long_horizons_are_thinned_keeping_peaks():
    rng = np.random.default_rng(0)
    y = rng.normal(size=35_040)
    y[12_345] = 50.0
    y[777] = -50.0
    pos = thin_positions(y)
    assert len(pos) <= THINNED_POINTS
    assert {12_345, 777} <= set(pos.tolist())
    assert np.all(np.diff(pos) > 0)
    month = np.arange(2_976, dtype=float)  # 31 days at 15 min: full resolution
    assert len(thin_positions(month)) == len(month)


def test_a_year_at_15_min_is_thinned_and_stays_small(run_dir):
    """35,040 intervals (no solve: the small run's schedule tiled over 2021) give a report of a few MB."""
    from optimizer.report.run_report import build_run_html

    summary = json.loads((run_dir / "summary.json").read_text())
    small = pd.read_parquet(run_dir / "schedule.parquet")
    index = pd.date_range(
        "2021-01-01", periods=35_040, freq="15min", tz="America/Chicago", name="interval_start"
    )
    year = pd.DataFrame(
        np.resize(small.drop(columns=["event"]).to_numpy(), (35_040, small.shape[1] - 1)),
        columns=small.columns.drop("event"),
        index=index,
    )
    html = build_run_html(summary, year)
    assert "35,040 intervals: each trace is thinned" in html
    assert len(html.encode()) < 6_500_000


def test_missing_files_raise_input_error(tmp_path):
    from optimizer.errors import InputError

    with pytest.raises(InputError, match="summary.json"):
        write_report(tmp_path)
    with pytest.raises(InputError, match="cases.parquet"):
        write_study_report(tmp_path)


# --------------------------------------------------------------------- unit: study report
def test_study_report_content(study_dir):
    ids = _parse(study_dir / "report.html").by_id
    assert set(ids) >= STUDY_CHARTS
    assert ids["kpi-n_cases"]["text"] == "7"
    assert ids["kpi-n_failed"]["text"] == "1"
    cases = _cases()
    best = cases["savings_usd"].max()
    assert float(ids["kpi-best_savings_usd"]["attrs"]["data-value"]) == best
    _check_shown(ids["kpi-best_savings_usd"]["text"], best, "usd")
    html = (study_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('<tr class="failed">') == 1
    assert 'src="http' not in html
    assert find_axes(cases) == ["fleet_units", "import_limit_mw"]


def test_study_axes_from_the_manifest(tmp_path):
    """A sweep's study.json names the axes; the report uses them over its own guess."""
    _cases().to_parquet(tmp_path / "cases.parquet")
    manifest = {
        "study": {
            "name": "mini",
            "description": "fleet x cap",
            "axes": {"import_limit_mw": [950.0, 1000.0]},
        }
    }
    (tmp_path / "study.json").write_text(json.dumps(manifest))
    ids = _parse(write_study_report(tmp_path)).by_id
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Study report: mini" in html
    assert "Axes found: import_limit_mw." in html
    assert "chart-heatmap" not in ids  # one axis only


def test_study_report_tolerates_few_columns(tmp_path):
    pd.DataFrame({"case_id": ["a", "b", "c"], "savings_usd": [1.0, 3.0, 2.0]}).to_parquet(
        tmp_path / "cases.parquet"
    )
    ids = _parse(write_study_report(tmp_path)).by_id
    assert "chart-savings" in ids
    assert "chart-heatmap" not in ids
    assert "chart-pareto" not in ids


def test_pareto_front_by_hand():
    # (cost, peak): a=(1,9) b=(2,5) c=(3,6) dominated by b, d=(4,1), e=(5,1) dominated by d
    cost = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    peak = np.array([9.0, 5.0, 6.0, 1.0, 1.0])
    assert pareto_front(cost, peak).tolist() == [True, True, False, True, False]


def test_study_report_one_front_per_price_year_mean_heatmap_and_years_as_years():
    """Issue 18: the HTML drew one Pareto front across price years, took the best over other
    axes where the PNG took the mean, and printed price_year as "2,022"."""
    from optimizer.report.study_report import build_study_html, heatmap_figure, pareto_figure

    frame = pd.DataFrame(
        {
            "case_id": list("abcdefgh"),
            "status": ["optimal"] * 8,
            "fleet_units": [0, 900, 0, 900, 0, 900, 0, 900],
            "import_limit_mw": [900, 900, 1000, 1000, 900, 900, 1000, 1000],
            "price_year": [2022] * 4 + [2024] * 4,
            "bill_optimized_usd": [10.0, 8.0, 9.0, 7.0, 100.0, 80.0, 90.0, 70.0],
            "savings_usd": [0.0, 2.0, 0.0, 2.0, 0.0, 20.0, 0.0, 20.0],
            "peak_import_optimized_mw": [900, 850, 1000, 950, 900, 850, 1000, 950],
        }
    )
    fig = pareto_figure(
        frame,
        "bill_optimized_usd",
        "peak_import_optimized_mw",
        ["fleet_units", "import_limit_mw", "price_year"],
    )
    fronts = [t for t in fig.data if t.name.startswith("Pareto front")]
    assert sorted(t.name for t in fronts) == [
        "Pareto front (price_year 2022)",
        "Pareto front (price_year 2024)",
    ]
    heat = heatmap_figure(frame, "fleet_units", "import_limit_mw", "savings_usd", ["price_year"])
    assert heat.data[0].z[0][1] == pytest.approx(11.0)  # mean of 2 and 20, not the best (20)
    html = build_study_html(frame, axes=["fleet_units", "import_limit_mw", "price_year"])
    assert ">2022<" in html
    assert "2,022" not in html


# ------------------------------------------------------------------------------- the CLI
def test_cli_report_on_a_run_and_on_nothing(run_dir, tmp_path):
    runner = CliRunner()
    for name in ("summary.json", "schedule.parquet"):
        shutil.copy(run_dir / name, tmp_path / name)
    assert report_kind(tmp_path) == "run"
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "report.html").stat().st_size > 0
    empty = tmp_path / "empty"
    empty.mkdir()
    res = runner.invoke(app, ["report", str(empty)])
    assert res.exit_code == 2
    assert "summary.json" in res.output
    assert "cases.parquet" in res.output


def test_cli_run_with_report(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "run",
            "--start",
            "2021-02-15T00:00",
            "--end",
            "2021-02-16T00:00",
            "--out",
            str(out),
            "--report",
            "--no-plot",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (out / "report.html").stat().st_size > 0
    res = CliRunner().invoke(
        app,
        [
            "run",
            "--start",
            "2021-02-15T00:00",
            "--end",
            "2021-02-16T00:00",
            "--out",
            str(tmp_path / "o2"),
            "--no-plot",
        ],
    )
    assert res.exit_code == 0
    assert not (tmp_path / "o2" / "report.html").exists()


# ------------------------------------------------------------------------- real browser
def _chromium() -> tuple[str, str] | None:
    binary = next(
        (b for n in ("chromium", "chromium-browser", "google-chrome") if (b := shutil.which(n))),
        None,
    )
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


@pytest.fixture(scope="module")
def browser():
    found = _chromium()
    if found is None:
        pytest.skip(
            "no chromium/chromedriver on PATH (Debian: apt-get install chromium chromium-driver; .ci/run installs them)"
        )
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium not installed (pip install '.[test]')"
    )
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = found
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1300,1000",
        "--force-device-scale-factor=1",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver_path), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _open(drv, path: Path, charts: set[str]) -> list[dict]:
    from selenium.webdriver.support.ui import WebDriverWait

    drv.get_log("browser")  # drop anything from a previous page
    drv.get(path.resolve().as_uri())
    WebDriverWait(drv, 30).until(
        lambda d: d.execute_script(
            "return arguments[0].every(function (id) { var e = document.getElementById(id);"
            " return e && e.querySelector('svg.main-svg'); });",
            sorted(charts),
        )
    )
    return drv.get_log("browser")


def _assert_rendered(drv, chart_id: str) -> None:
    from PIL import Image

    el = drv.find_element("id", chart_id)
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    rect = el.rect
    assert rect["width"] > 300, (chart_id, rect)
    assert rect["height"] > 150, (chart_id, rect)
    img = np.asarray(Image.open(io.BytesIO(el.screenshot_as_png)).convert("L"), dtype=float)
    # a blank (or error-only) container is one flat colour: demand real variation and ink
    ink = np.mean(img < 200)
    assert img.std() > 8, f"{chart_id} looks blank: std {img.std():.1f}"
    assert ink > 0.01, f"{chart_id} looks blank: std {img.std():.1f}, ink {ink:.3f}"


def _assert_offline(drv) -> None:
    urls = drv.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });"
    )
    assert all(not u.startswith(("http:", "https:")) for u in urls), urls


@pytest.mark.browser
def test_run_report_in_headless_chromium(browser, run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    logs = _open(browser, run_dir / "report.html", RUN_CHARTS)
    assert [e for e in logs if e["level"] == "SEVERE"] == [], logs
    containers = browser.execute_script(
        "return Array.from(document.querySelectorAll('.chart-wrap')).map(function (e) { return e.getAttribute('data-chart'); });"
    )
    assert set(containers) == RUN_CHARTS
    for chart in containers:
        _assert_rendered(browser, chart)
    for key, unit in RUN_KPIS.items():
        text = browser.find_element("id", f"kpi-{key}").text
        _check_shown(text, summary[key], unit)
    assert browser.find_element("id", "kpi-events").text == "no events"
    _assert_kpis_not_cut(browser)
    _assert_offline(browser)


def _assert_kpis_not_cut(drv) -> None:
    """Every headline number fits its card in one line (a year's bill was shown as "$409,434,11")."""
    cut = drv.execute_script(
        "return Array.from(document.querySelectorAll('.kpi-value')).filter(function (v) {"
        " var card = v.closest('.kpi').getBoundingClientRect(); var r = v.getBoundingClientRect();"
        " return r.right > card.right + 0.5 || v.getClientRects().length > 1 || v.scrollWidth > v.clientWidth + 0.5;"
        "}).map(function (v) { return v.textContent; });"
    )
    assert cut == [], f"headline numbers cut or wrapped: {cut}"


@pytest.mark.browser
def test_headline_numbers_of_a_year_fit_their_cards(browser, tmp_path):
    """A year's bill (nine digits) fits its card at a laptop width."""
    from optimizer.report import page as P

    cards = "".join(
        P.kpi(f"k{i}", label, value, "usd")
        for i, (label, value) in enumerate(
            [
                ("Bill without batteries", 409_434_112.0),
                ("Bill with batteries", -384_662_739.77),
                ("Savings", 24_771_372.2),
            ]
        )
    )
    html = P.page(
        "kpis",
        "",
        [P.section("Key figures", '<div class="kpis">' + cards + "</div>", section_id="k")],
    )
    path = tmp_path / "kpis.html"
    path.write_text(html)
    browser.set_window_size(1024, 800)
    browser.get(path.resolve().as_uri())
    _assert_kpis_not_cut(browser)


@pytest.mark.browser
def test_grid_report_in_headless_chromium(browser, grid_dir):
    summary = json.loads((grid_dir / "summary.json").read_text())
    logs = _open(browser, grid_dir / "report.html", RUN_CHARTS)
    assert [e for e in logs if e["level"] == "SEVERE"] == [], logs
    for chart in sorted(RUN_CHARTS):
        _assert_rendered(browser, chart)
    for key, unit in RUN_KPIS.items():
        _check_shown(browser.find_element("id", f"kpi-{key}").text, summary[key], unit)
    n = len(summary["grid"]["events"])
    assert re.fullmatch(rf"\d+ of {n}", browser.find_element("id", "kpi-events").text)
    # the event bands are drawn: plotly renders one shape per event per subplot
    n_shapes = browser.execute_script(
        "return document.querySelectorAll('#chart-dispatch .shapelayer path').length;"
    )
    assert n_shapes >= 4 * n
    # zoom: the "1 day" button narrows the dispatch chart to the last day
    browser.find_element("css selector", "#chart-dispatch .rangeselector .button").click()
    span_ms = browser.execute_script(
        "var r = document.getElementById('chart-dispatch')._fullLayout.xaxis.range;"
        " return new Date(r[1].replace(' ', 'T')) - new Date(r[0].replace(' ', 'T'));"
    )
    assert span_ms == pytest.approx(86_400_000, rel=0.01)
    _assert_offline(browser)


@pytest.mark.browser
def test_study_report_in_headless_chromium(browser, study_dir):
    logs = _open(browser, study_dir / "report.html", STUDY_CHARTS)
    assert [e for e in logs if e["level"] == "SEVERE"] == [], logs
    for chart in STUDY_CHARTS:
        _assert_rendered(browser, chart)
    # the case table sorts by a clicked column (numbers by value, failed rows included)
    headers = browser.find_elements("css selector", "#cases-table th")
    col = [h.text for h in headers].index("savings_usd")
    headers[col].click()
    cells = browser.find_elements("css selector", f"#cases-table tbody tr td:nth-child({col + 1})")
    values = [float(c.get_attribute("data-value")) for c in cells if c.get_attribute("data-value")]
    assert values == sorted(values)
    assert len(values) == 6
    headers[col].click()
    cells = browser.find_elements("css selector", f"#cases-table tbody tr td:nth-child({col + 1})")
    values = [float(c.get_attribute("data-value")) for c in cells if c.get_attribute("data-value")]
    assert values == sorted(values, reverse=True)
    assert not math.isnan(values[0])
    _assert_offline(browser)
