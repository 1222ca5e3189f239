"""The HTML shell shared by the run and study reports: formatting, KPI cards, tables, figures.

Everything a report needs is inlined into one file: the CSS, plotly's JavaScript (once, in
``<head>``, the same bundle ``include_plotlyjs=True`` embeds) and each figure's data. The
page makes no network request when opened.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

PLOT_CONFIG: dict[str, Any] = {"responsive": True, "displaylogo": False, "scrollZoom": False}

CSS = """
:root { --fg:#1f2933; --muted:#616e7c; --line:#e4e7eb; --accent:#1f6feb; --good:#1a7f37; --bad:#cf222e; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color:var(--fg); background:#f5f7fa; font-size:15px; line-height:1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin-top:18px; }
section h2 { font-size: 17px; margin: 0 0 10px; }
section h3 { font-size: 14px; margin: 14px 0 6px; }
.kpis { display:grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.kpi { border:1px solid var(--line); border-radius:6px; padding:10px 12px; background:#fbfcfd; }
.kpi-label { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.03em; }
.kpi-value { font-size:22px; font-weight:600; font-variant-numeric: tabular-nums; white-space:nowrap; overflow-wrap:normal; }
.kpi-unit { font-size:14px; color:var(--muted); margin-left:3px; }
.kpi-sub { font-size:12px; color:var(--muted); }
.good { color: var(--good); } .bad { color: var(--bad); }
.chart { width:100%; min-height: 200px; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
table.sortable th { cursor: pointer; user-select: none; background: #f0f3f6; position: sticky; top: 0; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
.table-wrap { max-height: 520px; overflow: auto; border: 1px solid var(--line); }
tr.failed td { color: var(--bad); }
.nowrap td, .nowrap th { white-space: nowrap; }
ul.sources { margin: 4px 0 0; padding-left: 20px; }
code { font-size: 12px; }
"""

# Plain JS: click a header to sort by that column (numbers by data-value, else text).
SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[col];
        var v = cell.getAttribute("data-value");
        if (v !== null && v !== "" && !isNaN(Number(v))) { return [0, Number(v)]; }
        return [1, cell.textContent];
      }
      rows.sort(function (a, b) {
        var ka = key(a), kb = key(b), r;
        if (ka[0] !== kb[0]) { return ka[0] - kb[0]; }
        r = ka[0] === 0 ? ka[1] - kb[1] : String(ka[1]).localeCompare(String(kb[1]));
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def esc(text: object) -> str:
    """HTML-escape any value's ``str``."""
    return html.escape(str(text), quote=True)


def decimals_for(unit: str, value: float) -> int:
    """Decimals a figure in ``unit`` is shown with (the KPI text and tests agree on this)."""
    if unit == "usd":
        return 0 if abs(value) >= 1000 else 2
    if unit == "mw":
        return 1
    if unit == "count":
        return 0
    return 2


def format_number(value: float | None, unit: str) -> str:
    """Format a number for display: ``usd`` -> ``$1,234`` / ``-$12.50``; others with separators.

    Parameters
    ----------
    value : float or None
        The number; None or NaN shows as an en dash.
    unit : str
        ``usd``, ``mw``, ``count`` or anything else (two decimals).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    value = float(value) + 0.0  # -0.0 -> 0.0
    d = decimals_for(unit, value)
    if unit == "usd":
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.{d}f}"
    return f"{value:,.{d}f}"


def kpi(
    key: str,
    label: str,
    value: float | None,
    unit: str,
    *,
    suffix: str = "",
    sub: str = "",
    tone: str = "",
) -> str:
    """One key-figure card; the number sits in ``#kpi-<key>`` with its raw value in ``data-value``."""
    raw = "" if value is None else repr(float(value))
    unit_html = f'<span class="kpi-unit">{esc(suffix)}</span>' if suffix else ""
    cls = f"kpi-value {tone}".strip()
    return (
        f'<div class="kpi"><div class="kpi-label">{esc(label)}</div>'
        f'<div class="{cls}"><span id="kpi-{esc(key)}" data-value="{raw}" data-unit="{esc(unit)}">'
        f"{esc(format_number(value, unit))}</span>{unit_html}</div>"
        f'<div class="kpi-sub">{esc(sub)}</div></div>'
    )


def kpi_text(key: str, label: str, text: str, *, sub: str = "", value: float | None = None) -> str:
    """A key-figure card holding text (e.g. ``no events``) in ``#kpi-<key>``."""
    raw = "" if value is None else repr(float(value))
    return (
        f'<div class="kpi"><div class="kpi-label">{esc(label)}</div>'
        f'<div class="kpi-value"><span id="kpi-{esc(key)}" data-value="{raw}" data-unit="text">{esc(text)}</span></div>'
        f'<div class="kpi-sub">{esc(sub)}</div></div>'
    )


def cell(value: object) -> str:
    """A ``<td>``: numbers right-aligned with their raw value in ``data-value`` for sorting."""
    if isinstance(value, bool) or value is None:
        return f"<td>{esc('' if value is None else value)}</td>"
    if isinstance(value, int | float):
        v = float(value) + 0.0  # -0.0 -> 0.0
        if math.isnan(v):
            return '<td class="num" data-value="">\u2013</td>'
        text = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.4g}"
        if isinstance(value, int):
            text = f"{value:,d}"
        return f'<td class="num" data-value="{v!r}">{esc(text)}</td>'
    return f"<td>{esc(value)}</td>"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sortable: bool = False,
    row_classes: Sequence[str] | None = None,
    table_id: str = "",
    numeric_header: bool = False,
) -> str:
    """An HTML table; ``sortable`` adds click-to-sort headers (``SORT_JS``); ``numeric_header`` right-aligns all but the first header."""
    cls = ' class="sortable"' if sortable else ""
    tid = f' id="{esc(table_id)}"' if table_id else ""
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if numeric_header and i else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for i, row in enumerate(rows):
        rc = f' class="{esc(row_classes[i])}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{rc}>" + "".join(cell(v) for v in row) + "</tr>")
    return f"<table{tid}{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts (and lists of dicts) into dotted keys: ``{"site.import_limit_mw": 1000}``."""
    out: dict[str, Any] = {}
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list | tuple) and any(isinstance(v, Mapping) for v in obj):
        for i, v in enumerate(obj):
            name = v.get("name", v.get("event_id", i)) if isinstance(v, Mapping) else i
            out.update(flatten(v, f"{prefix}[{name}]"))
    else:
        out[prefix] = obj
    return out


def find_number(flat: Mapping[str, Any], *names: str) -> float | None:
    """First finite number whose dotted key is, or ends with, one of ``names``."""
    for name in names:
        for key, value in flat.items():
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            if (
                (key == name or key.endswith("." + name))
                and is_number
                and math.isfinite(float(value))
            ):
                return float(value)
    return None


def figure_div(fig: Any, div_id: str) -> str:
    """A figure as a ``<div class="chart">`` plus its ``Plotly.newPlot`` call (no plotly.js)."""
    import plotly.io as pio

    body = pio.to_html(
        fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG
    )
    return f'<div class="chart-wrap" data-chart="{esc(div_id)}">{body}</div>'


def page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    """The complete self-contained HTML document."""
    from plotly.offline import get_plotlyjs

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">window.PlotlyConfig = {{MathJaxConfig: "local"}};</script>'
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        f"</head><body><main><header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>"
        + "".join(sections)
        + f"</main><script>{SORT_JS}</script></body></html>\n"
    )


def section(title: str, body: str, *, section_id: str = "") -> str:
    """A titled card."""
    sid = f' id="{esc(section_id)}"' if section_id else ""
    return f"<section{sid}><h2>{esc(title)}</h2>{body}</section>"


def json_script(data: Any, element_id: str) -> str:
    """Embed JSON data (not executed) for anyone who wants the numbers behind the page."""
    text = json.dumps(data, default=str).replace("</", "<\\/")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'
