"""The LA dashboard's charts (issue 25), drawn on the server as SVG with pygal (pure Python, about 4 ms a chart;
matplotlib took ten times that, a second and a half to import, and writes a style attribute on every shape).

The SVG goes inline in the page, so it keeps to the page's Content-Security-Policy: pygal's <style> and <script>
(its tooltips) are taken out and the colours and type come from app.css (`.app-dashboard-chart`). The SVG is
one image to assistive technology (role="img"), named by its <title> and described by its <desc>, which says
where the figures are: the table beside it, its accessible equivalent, as the case page's chart does
(web/case_chart.py)."""
from __future__ import annotations

import pygal
from lxml import etree
from markupsafe import Markup
from pygal.style import Style

from ..la.dashboard import Section, Table

SVG_NS = "http://www.w3.org/2000/svg"
# About the half column it is drawn in on a desktop, so its text is shown near the size it is set at.
WIDTH, HEIGHT = 480, 340
# At most this many labels under the x axis (a half year of weeks would crowd them): the rest are minor.
MAX_X_LABELS = 4


def _config(kind: str, table: Table) -> pygal.Graph:
    common = {"js": [], "css": [], "width": WIDTH, "height": HEIGHT, "no_prefix": True, "disable_xml_declaration":
              True, "legend_at_bottom": True, "legend_at_bottom_columns": 2, "truncate_legend": 34,
              "truncate_label": 30, "show_minor_x_labels": False, "x_label_rotation": 0, "print_values": False,
              "show_y_guides": True, "include_x_axis": True, "min_scale": 2, "max_scale": 6,
              "margin": 12, "spacing": 8,
              # The sizes app.css sets, so pygal leaves room for them; the bottom margin because pygal's room for a
              # legend of several rows falls one row short (measured: its last row was cut off).
              "margin_bottom": 32, "style": Style(legend_font_size=13, label_font_size=13, major_label_font_size=13)}
    if kind == "box":
        chart = pygal.Box(box_mode="extremes", show_legend=False, **common)
        for label, values in table.boxes:
            chart.add(label, list(values))
        chart.x_labels = [label for label, _ in table.boxes]
        return chart
    if kind == "horizontal":
        # One bar per reason, each its own series, so the reasons (long words) are in the legend under the chart,
        # not squeezed beside the bars.
        chart = pygal.HorizontalBar(**{**common, "legend_at_bottom_columns": 1, "truncate_legend": 60})
        chart.x_labels = [""]
        for label, value in zip(table.x_labels, table.series[0][1] if table.series else ()):
            chart.add(label, [value])
        return chart
    chart = (pygal.StackedBar if kind == "stacked" else pygal.Bar)(**common)
    labels = list(table.x_labels)
    chart.x_labels = labels
    if len(labels) > MAX_X_LABELS:
        every = -(-len(labels) // MAX_X_LABELS)
        chart.x_labels_major = labels[::every]
    for name, values in table.series:
        chart.add(name, [v or None for v in values] if kind == "stacked" else list(values))
    return chart


def chart_svg(section: Section, table: Table) -> Markup | None:
    """The section's chart as inline SVG, or None where there is nothing to draw."""
    if not table.rows or not (table.series or table.boxes):
        return None
    tree = _config(section.chart, table).render_tree()
    for element in list(tree.iter()):
        if not isinstance(element.tag, str):  # pygal's comments
            element.getparent().remove(element)
            continue
        name = etree.QName(element).localname
        if name in ("style", "script"):
            element.getparent().remove(element)
            continue
        element.attrib.pop("style", None)
    for element in tree.findall(f"{{{SVG_NS}}}title"):  # pygal's own ("Pygal"); ours comes first below
        tree.remove(element)
    tree.attrib.pop("id", None)
    tree.set("class", "pygal-chart app-dashboard-chart__svg")
    tree.set("role", "img")
    tree.set("focusable", "false")
    title_id, desc_id = f"chart-{section.id}-title", f"chart-{section.id}-desc"
    tree.set("aria-labelledby", f"{title_id} {desc_id}")
    title = etree.Element(f"{{{SVG_NS}}}title", id=title_id)
    title.text = f"Chart: {section.title}"
    desc = etree.Element(f"{{{SVG_NS}}}desc", id=desc_id)
    desc.text = f"{section.summary}. The table beside the chart gives the same figures."
    tree.insert(0, desc)
    tree.insert(0, title)
    return Markup(etree.tostring(tree, encoding="unicode"))
