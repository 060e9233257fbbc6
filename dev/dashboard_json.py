"""Writes data/files/membership_dashboard.json, the Membership overview dashboard.

The dashboard is an Odoo spreadsheet (module spreadsheet_dashboard): its
figures come from pivots and charts on the module's reporting models, filtered
by the global filters Period, Company, Plan and Category. This script is its
source: change it and run it again rather than editing the JSON by hand.

    python3 dev/dashboard_json.py
"""

import json
import uuid
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "files" / "membership_dashboard.json"
VERSION = "18.5.10"  # o-spreadsheet's data version in Odoo 19.0


def uid(name):
    """A stable id for ``name`` (filters, figures, charts)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"membership_dues/dashboard/{name}"))


def t(text):
    """A translated text cell (Odoo extracts _t("...") of dashboard files)."""
    return f'=_t("{text}")'


# ----------------------------------------------------------------------------
# Global filters and what each model matches them on
# ----------------------------------------------------------------------------
PERIOD, COMPANY, PLAN, CATEGORY = (uid(name) for name in ("period", "company", "plan", "category"))
GLOBAL_FILTERS = [
    {"id": PERIOD, "type": "date", "label": "Period", "defaultValue": "last_12_months"},
    {
        "id": COMPANY,
        "type": "relation",
        "label": "Company",
        "modelName": "res.company",
        "domainOfAllowedValues": [],
        "includeChildren": False,
    },
    {
        "id": PLAN,
        "type": "relation",
        "label": "Plan",
        "modelName": "membership.plan",
        "domainOfAllowedValues": [],
        "includeChildren": False,
    },
    {
        "id": CATEGORY,
        "type": "relation",
        "label": "Category",
        "modelName": "membership.category",
        "domainOfAllowedValues": [],
        "includeChildren": False,
    },
]

# model: (period date field or None, plan chain, category chain and type)
MATCHING = {
    "membership.member.analysis": (None, "plan_id", ("category_id", "many2one")),
    "membership.member.movement": ("date", "plan_id", ("category_id", "many2one")),
    "membership.renewal.analysis": ("date_sent", "plan_id", ("category_id", "many2one")),
    "membership.declaration.analysis": (None, "plan_id", ("category_id", "many2one")),
    "membership.dues.analysis": ("invoice_date", "plan_id", ("partner_id.dues_category_ids", "many2many")),
    "membership.followup.analysis": ("date", None, ("partner_id.dues_category_ids", "many2many")),
}


def field_matching(model, offset=0, period=True):
    date_field, plan, (category, category_type) = MATCHING[model]
    matching = {COMPANY: {"chain": "company_id", "type": "many2one"}}
    if period and date_field:
        matching[PERIOD] = {"chain": date_field, "type": "date", "offset": offset}
    if plan:
        matching[PLAN] = {"chain": plan, "type": "many2one"}
    matching[CATEGORY] = {"chain": category, "type": category_type}
    return matching


# ----------------------------------------------------------------------------
# Pivots (data sources of the cells)
# ----------------------------------------------------------------------------
PIVOTS = {}


def pivot(name, model, measures, rows=(), domain=(), offset=0, period=True):
    pivot_id = str(len(PIVOTS) + 1)
    PIVOTS[pivot_id] = {
        "type": "ODOO",
        "model": model,
        "name": name,
        "domain": list(domain),
        "context": {},
        "columns": [],
        "rows": [{"fieldName": row} for row in rows],
        "measures": [
            {"id": f"{m}:{aggregator}", "fieldName": m, "aggregator": aggregator}
            for m, aggregator in (m.split(":") if ":" in m else (m, "sum") for m in measures)
        ],
        "formulaId": pivot_id,
        "sortedColumn": None,
        "fieldMatching": field_matching(model, offset, period),
    }
    return pivot_id


P_STATUS = pivot("Members by status today", "membership.member.analysis", ["__count"], rows=["state"])
P_MOVES = pivot("Member movements - period", "membership.member.movement", ["__count"], rows=["movement"])
P_MOVES_PREV = pivot(
    "Member movements - previous period", "membership.member.movement", ["__count"], rows=["movement"], offset=-1
)
FUNNEL_MEASURES = [
    "to_send_count",
    "sent_count",
    "answered_count",
    "approved_count",
    "invoiced_count",
    "paid_count",
    "refused_count",
    "amount_called",
    "amount_invoiced",
    "amount_paid",
]
P_FUNNEL = pivot(
    "Current renewal campaign",
    "membership.renewal.analysis",
    FUNNEL_MEASURES,
    rows=["campaign_id"],
    domain=[["current_campaign", "=", True]],
    period=False,
)
P_DECLARATIONS = pivot(
    "Declaration campaigns",
    "membership.declaration.analysis",
    ["asked_count", "opened_count", "declared_count", "validated_count", "late_count"],
    rows=["campaign_id"],
)
DUES_MEASURES = ["amount_invoiced", "amount_collected", "amount_due"]
P_DUES = pivot("Dues invoiced - period", "membership.dues.analysis", DUES_MEASURES)
P_DUES_PREV = pivot("Dues invoiced - previous period", "membership.dues.analysis", DUES_MEASURES, offset=-1)
P_CALLED = pivot("Renewal notices sent - period", "membership.renewal.analysis", ["amount_called"])
P_CALLED_PREV = pivot(
    "Renewal notices sent - previous period", "membership.renewal.analysis", ["amount_called"], offset=-1
)
P_OUTSTANDING = pivot("Dues outstanding today", "membership.dues.analysis", ["amount_due"], period=False)
P_FOLLOWUP = pivot(
    "Follow-up effectiveness",
    "membership.followup.analysis",
    ["sent_count", "paid_within_15", "paid_later", "days_to_pay:avg"],
    rows=["level_id"],
)


def value(pivot_id, measure, *args):
    """PIVOT.VALUE, 0 when the group is empty."""
    extra = "".join(f',"{a}"' if isinstance(a, str) else f",{a}" for a in args)
    return f'=PIVOT.VALUE({pivot_id},"{measure}:sum"{extra})+0'


# ----------------------------------------------------------------------------
# The Data sheet: one figure per row, current and previous period
# ----------------------------------------------------------------------------
PERCENT, NUMBER = "1", "2"
FORMATS = {PERCENT: "0.0%", NUMBER: "#,##0"}

DATA = {}  # key: (row, current formula, previous formula, format)
DATA_ROWS = [
    ("members", "Members", value(P_STATUS, "__count", "state", "member"), None, NUMBER),
    ("grace", "In Grace", value(P_STATUS, "__count", "state", "grace"), None, NUMBER),
    ("suspended", "Suspended", value(P_STATUS, "__count", "state", "suspended"), None, NUMBER),
    ("former", "Former Members", value(P_STATUS, "__count", "state", "former"), None, NUMBER),
    (
        "joined",
        "Joined",
        value(P_MOVES, "__count", "movement", "joined"),
        value(P_MOVES_PREV, "__count", "movement", "joined"),
        NUMBER,
    ),
    (
        "renewed",
        "Renewed",
        value(P_MOVES, "__count", "movement", "renewed"),
        value(P_MOVES_PREV, "__count", "movement", "renewed"),
        NUMBER,
    ),
    (
        "left",
        "Left",
        value(P_MOVES, "__count", "movement", "left"),
        value(P_MOVES_PREV, "__count", "movement", "left"),
        NUMBER,
    ),
    ("net", "Net Change", "=B{joined}-B{left}", "=C{joined}-C{left}", NUMBER),
    ("campaign", "Current Renewal Campaign", f'=IFERROR(PIVOT.HEADER({P_FUNNEL},"#campaign_id",1),"")', None, None),
    ("to_send", "To Send", value(P_FUNNEL, "to_send_count"), None, NUMBER),
    ("sent", "Sent", value(P_FUNNEL, "sent_count"), None, NUMBER),
    ("answered", "Answered", value(P_FUNNEL, "answered_count"), None, NUMBER),
    ("approved", "Approved", value(P_FUNNEL, "approved_count"), None, NUMBER),
    ("invoiced", "Invoiced", value(P_FUNNEL, "invoiced_count"), None, NUMBER),
    ("paid", "Paid", value(P_FUNNEL, "paid_count"), None, NUMBER),
    ("refused", "Refused", value(P_FUNNEL, "refused_count"), None, NUMBER),
    ("response_rate", "Response Rate", "=IFERROR(B{answered}/B{sent},0)", None, PERCENT),
    ("renewal_rate", "Renewal Rate", "=IFERROR(B{approved}/(B{to_send}+B{sent}),0)", None, PERCENT),
    ("campaign_called", "Campaign: Called", value(P_FUNNEL, "amount_called"), None, None),
    ("campaign_invoiced", "Campaign: Invoiced", value(P_FUNNEL, "amount_invoiced"), None, None),
    ("campaign_paid", "Campaign: Paid", value(P_FUNNEL, "amount_paid"), None, None),
    (
        "called",
        "Dues Called (notices sent)",
        value(P_CALLED, "amount_called"),
        value(P_CALLED_PREV, "amount_called"),
        None,
    ),
    (
        "dues_invoiced",
        "Dues Invoiced",
        value(P_DUES, "amount_invoiced"),
        value(P_DUES_PREV, "amount_invoiced"),
        None,
    ),
    (
        "collected",
        "Dues Collected",
        value(P_DUES, "amount_collected"),
        value(P_DUES_PREV, "amount_collected"),
        None,
    ),
    ("outstanding", "Dues Outstanding", value(P_DUES, "amount_due"), value(P_DUES_PREV, "amount_due"), None),
    (
        "collection_rate",
        "Collection Rate",
        "=IFERROR(B{collected}/B{dues_invoiced},0)",
        "=IFERROR(C{collected}/C{dues_invoiced},0)",
        PERCENT,
    ),
    ("outstanding_today", "Dues Outstanding Today (all invoices)", value(P_OUTSTANDING, "amount_due"), None, None),
    (
        "days",
        "Days in the Period (up to today)",
        (
            '=IFERROR(IF(COUNT(ODOO.FILTER.VALUE("Period"))=2,'
            'MIN(MAX(ODOO.FILTER.VALUE("Period")),TODAY())-MIN(ODOO.FILTER.VALUE("Period"))+1,""),"")'
        ),
        None,
        NUMBER,
    ),
    (
        "dso",
        "Days Sales Outstanding",
        '=IFERROR(ROUND(B{outstanding_today}/B{dues_invoiced}*B{days}),"")',
        None,
        NUMBER,
    ),
]
for index, (key, *_rest) in enumerate(DATA_ROWS, start=2):
    DATA[key] = index


FUNNEL_STAGES = ("to_send", "sent", "answered", "approved", "invoiced", "paid", "refused")


def data_ref(key, column="B"):
    return f"Data!{column}{DATA[key]}"


def data_sheet():
    cells = {"A1": t("Figure"), "B1": t("Period"), "C1": t("Previous Period")}
    formats = {}
    for key, label, current, previous, number_format in DATA_ROWS:
        row = DATA[key]
        cells[f"A{row}"] = t(label)
        cells[f"B{row}"] = current.format(**DATA)
        if previous:
            cells[f"C{row}"] = previous.format(**DATA)
        if number_format:
            formats[f"B{row}:C{row}"] = int(number_format)
        if key in FUNNEL_STAGES:
            # the funnel's labels: the stage and its count
            cells[f"D{row}"] = f'=A{row}&" ("&B{row}&")"'
    cells["D1"] = t("Funnel Label")
    return {
        "id": "membership-data",
        "name": "Data",
        "colNumber": 4,
        "rowNumber": len(DATA_ROWS) + 5,
        "rows": {},
        "cols": {"0": {"size": 260}, "1": {"size": 130}, "2": {"size": 130}, "3": {"size": 160}},
        "merges": [],
        "cells": cells,
        "styles": {"A1:D1": 2},
        "formats": formats,
        "borders": {},
        "conditionalFormats": [],
        "dataValidationRules": [],
        "figures": [],
        "tables": [],
        "areGridLinesVisible": True,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "comments": {},
    }


# ----------------------------------------------------------------------------
# The Dashboard sheet
# ----------------------------------------------------------------------------
COLS = 6
COL_WIDTH = 185  # six columns: 1110 px, the width of Odoo's own dashboards
ROW_HEIGHT = 23
WIDTH = COLS * COL_WIDTH
GAP = 12
BLUE, ORANGE, GREEN = "#EFF6FF", "#FFF7ED", "#F0FDF4"

CHART_MENUS = {}


class Layout:
    """Rows of the Dashboard sheet: headings in cells, figures anchored on
    rows left empty for them."""

    def __init__(self):
        self.row = 0  # next free row (0-based)
        self.cells, self.styles, self.borders, self.rows = {}, {}, {}, {}
        self.figures = []

    def heading(self, text, menu=None):
        row = self.row
        self.rows[str(row)] = {"size": 40}
        a1 = f"A{row + 1}"
        self.cells[a1] = f"[{text}](odoo://ir_menu_xml_id/{menu})" if menu else t(text)
        self.styles[f"A{row + 1}:F{row + 1}"] = 1
        self.borders[f"A{row + 1}:F{row + 1}"] = 1
        self.row += 1

    def subheading(self, text, formula=None):
        row = self.row
        self.rows[str(row)] = {"size": 30}
        self.cells[f"A{row + 1}"] = formula or t(text)
        self.styles[f"A{row + 1}:F{row + 1}"] = 2
        self.row += 1

    def figures_row(self, items, height):
        """``items``: (width, figure data builder) left to right, on one band."""
        rows = -(-(height + 2 * GAP) // ROW_HEIGHT)
        x = 0
        for width, (tag, data, chart_id) in items:
            figure_id = uid(f"figure/{chart_id}")
            self.figures.append(
                {
                    "id": figure_id,
                    "col": 0,
                    "row": self.row,
                    "offset": {"x": x, "y": GAP},
                    "width": width - GAP if x + width < WIDTH else width,
                    "height": height,
                    "tag": tag,
                    "data": data,
                }
            )
            x += width
        self.row += rows

    def table_header(self, titles):
        row = self.row + 1
        for col, title in enumerate(titles):
            self.cells[f"{'ABCDEF'[col]}{row}"] = t(title)
        self.styles[f"A{row}"] = 2
        self.styles[f"B{row}:F{row}"] = 4
        self.borders[f"A{row}:F{row}"] = 1
        self.rows[str(self.row)] = {"size": 30}
        self.row += 1

    def cells_block(self, formula, rows):
        self.cells[f"A{self.row + 1}"] = formula
        self.styles[f"A{self.row + 1}:F{self.row + rows}"] = 3
        self.row += rows + 1


def scorecard(name, title, key, background, baseline=True, menu=None, up_is_bad=False):
    chart_id = uid(f"chart/{name}")
    data = {
        "type": "scorecard",
        "title": {"text": title, "bold": True, "color": "#434343"},
        "background": background,
        "keyValue": data_ref(key),
        "humanize": False,
        "baselineMode": "difference",
        "baselineColorUp": "#DC6965" if up_is_bad else "#00A04A",
        "baselineColorDown": "#00A04A" if up_is_bad else "#DC6965",
        "chartId": chart_id,
    }
    if baseline:
        data["baseline"] = data_ref(key, "C")
        data["baselineDescr"] = {"text": "vs previous period"}
    if menu:
        CHART_MENUS[chart_id] = menu
    return ("chart", data, name)


def odoo_chart(name, title, chart_type, model, group_by, measure, domain=(), menu=None, **options):
    chart_id = uid(f"chart/{name}")
    data = {
        "type": chart_type,
        "title": {"text": title, "bold": True, "color": "#434343"},
        "background": "#FFFFFF",
        "legendPosition": options.pop("legendPosition", "none"),
        "metaData": {
            "groupBy": list(group_by),
            "measure": measure,
            "order": None,
            "resModel": model,
            "mode": chart_type.removeprefix("odoo_"),
        },
        "searchParams": {
            "comparison": None,
            "context": {},
            "domain": list(domain),
            "groupBy": list(group_by),
            "orderBy": [],
        },
        "dataSets": [{}],
        "verticalAxisPosition": "left",
        "stacked": options.pop("stacked", False),
        "chartId": chart_id,
        "fieldMatching": field_matching(model, period=options.pop("period", True)),
        **options,
    }
    if menu:
        CHART_MENUS[chart_id] = menu
    return ("chart", data, name)


def funnel_chart():
    chart_id = uid("chart/renewal_funnel")
    first, last = DATA["to_send"], DATA["refused"]
    data = {
        "type": "funnel",
        "title": {"text": "Renewal notices", "bold": True, "color": "#434343"},
        "background": "#FFFFFF",
        "dataSets": [{"dataRange": f"Data!B{first}:B{last}"}],
        "dataSetsHaveTitle": False,
        "labelRange": f"Data!D{first}:D{last}",
        "legendPosition": "none",
        "aggregated": False,
        "horizontal": True,
        "showValues": False,
        "cumulative": False,
        "humanize": False,
        "funnelColors": ["#1F77B4", "#2E8BC0", "#4FA3D1", "#00A04A", "#43A047", "#2E7D32", "#DC6965"],
        "chartId": chart_id,
    }
    CHART_MENUS[chart_id] = "membership_dues.membership_menu_renewals_all"
    return ("chart", data, "renewal_funnel")


def dashboard_sheet():
    lay = Layout()
    quarter, third, half = WIDTH // 4, WIDTH // 3, WIDTH // 2

    # Members -----------------------------------------------------------------
    lay.heading("Members", "membership_dues.membership_menu_members_list")
    lay.figures_row(
        [
            (quarter, scorecard("members", "Members", "members", BLUE, baseline=False)),
            (quarter, scorecard("grace", "In Grace", "grace", BLUE, baseline=False)),
            (quarter, scorecard("suspended", "Suspended", "suspended", BLUE, baseline=False)),
            (quarter, scorecard("former", "Former Members", "former", BLUE, baseline=False)),
        ],
        100,
    )
    lay.figures_row(
        [
            (quarter, scorecard("joined", "Joined", "joined", GREEN)),
            (quarter, scorecard("renewed", "Renewed", "renewed", GREEN)),
            (quarter, scorecard("left", "Left", "left", ORANGE, up_is_bad=True)),
            (quarter, scorecard("net", "Net Change", "net", ORANGE)),
        ],
        100,
    )
    lay.figures_row(
        [
            (
                WIDTH,
                odoo_chart(
                    "trend",
                    "Members joined and renewed (up) and left (down), by month",
                    "odoo_bar",
                    "membership.member.movement",
                    ["date:month", "movement"],
                    "flow_count",
                    legendPosition="top",
                    stacked=True,
                ),
            )
        ],
        300,
    )
    lay.figures_row(
        [
            (
                half,
                odoo_chart(
                    "members_by_plan",
                    "Members by plan",
                    "odoo_bar",
                    "membership.member.analysis",
                    ["plan_id"],
                    "member_count",
                    menu="membership_dues.membership_menu_members_list",
                ),
            ),
            (
                half,
                odoo_chart(
                    "members_by_category",
                    "Members by category",
                    "odoo_pie",
                    "membership.member.analysis",
                    ["category_id"],
                    "member_count",
                    legendPosition="right",
                    menu="membership_dues.membership_menu_members_list",
                ),
            ),
        ],
        300,
    )

    # Renewals and declarations -------------------------------------------------
    lay.heading("Current Renewal Campaign", "membership_dues.membership_menu_campaigns")
    lay.subheading(None, f"=Data!B{DATA['campaign']}")
    funnel_row = lay.row
    lay.figures_row([(half, funnel_chart())], 320)
    # beside the funnel: the campaign's rates and amounts, two by two
    side = [
        [
            scorecard("response_rate", "Response Rate", "response_rate", BLUE, baseline=False),
            scorecard("renewal_rate", "Renewal Rate", "renewal_rate", BLUE, baseline=False),
        ],
        [
            scorecard("campaign_called", "Called", "campaign_called", ORANGE, baseline=False),
            scorecard("campaign_paid", "Paid", "campaign_paid", GREEN, baseline=False),
        ],
    ]
    for band, pair in enumerate(side):
        for position, (tag, data, name) in enumerate(pair):
            lay.figures.append(
                {
                    "id": uid(f"figure/{name}"),
                    "col": 0,
                    "row": funnel_row,
                    "offset": {"x": half + position * (quarter + 1), "y": GAP + band * 160},
                    "width": quarter - GAP if position == 0 else quarter - 1,
                    "height": 148,
                    "tag": tag,
                    "data": data,
                }
            )
    lay.heading("Declaration Campaigns", "membership_dues.membership_menu_declaration_campaigns")
    lay.table_header(["Campaign", "Asked", "Opened", "Declared", "Validated", "Late"])
    lay.cells_block(f"=PIVOT({P_DECLARATIONS}, 4, FALSE, FALSE, 10, FALSE)", 4)

    # Dues -------------------------------------------------------------------------
    lay.heading("Dues", "membership_dues.membership_menu_dues_collection")
    lay.figures_row(
        [
            (third, scorecard("called", "Called (renewal notices sent)", "called", BLUE)),
            (third, scorecard("dues_invoiced", "Invoiced", "dues_invoiced", BLUE)),
            (third, scorecard("collected", "Collected", "collected", GREEN)),
        ],
        100,
    )
    lay.figures_row(
        [
            (third, scorecard("outstanding", "Outstanding", "outstanding", ORANGE, up_is_bad=True)),
            (third, scorecard("collection_rate", "Collection Rate", "collection_rate", GREEN)),
            (third, scorecard("dso", "Days Sales Outstanding", "dso", ORANGE, baseline=False)),
        ],
        100,
    )
    lay.figures_row(
        [
            (
                half,
                odoo_chart(
                    "ageing",
                    "Unpaid dues by age",
                    "odoo_bar",
                    "membership.dues.analysis",
                    ["ageing"],
                    "amount_due",
                    domain=[["amount_due", ">", 0]],
                    period=False,
                    menu="membership_dues.membership_menu_dues_analysis",
                ),
            ),
            (
                half,
                odoo_chart(
                    "followup_level",
                    "Unpaid dues by follow-up level reached",
                    "odoo_bar",
                    "membership.dues.analysis",
                    ["followup_level_id"],
                    "amount_due",
                    domain=[["amount_due", ">", 0], ["followup_level_id", "!=", False]],
                    period=False,
                    menu="membership_dues.membership_menu_dues_analysis",
                ),
            ),
        ],
        300,
    )
    lay.heading("Follow-up Effectiveness", "membership_dues.membership_menu_followup_analysis")
    lay.table_header(["Level", "Sent", "Paid within 15 Days", "Paid Later", "Days to Pay After It"])
    lay.cells_block(f"=PIVOT({P_FOLLOWUP}, 10, TRUE, FALSE, 10, FALSE)", 11)

    return {
        "id": "membership-dashboard",
        "name": "Dashboard",
        "colNumber": COLS,
        "rowNumber": lay.row + 5,
        "rows": lay.rows,
        "cols": {str(col): {"size": COL_WIDTH} for col in range(COLS)},
        "merges": [],
        "cells": lay.cells,
        "styles": lay.styles,
        "formats": {},
        "borders": lay.borders,
        "conditionalFormats": [],
        "dataValidationRules": [],
        "figures": lay.figures,
        "tables": [],
        "areGridLinesVisible": False,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "comments": {},
    }


def spreadsheet():
    dashboard = dashboard_sheet()
    return {
        "version": VERSION,
        "sheets": [dashboard, data_sheet()],
        "styles": {
            "1": {"bold": True, "fontSize": 16, "textColor": "#01666B", "verticalAlign": "middle"},
            "2": {"bold": True, "fontSize": 11, "textColor": "#434343", "verticalAlign": "middle"},
            "3": {"textColor": "#434343", "verticalAlign": "middle"},
            "4": {"bold": True, "fontSize": 11, "textColor": "#434343", "verticalAlign": "middle", "align": "right"},
        },
        "formats": FORMATS,
        "borders": {"1": {"bottom": {"style": "thin", "color": "#CCCCCC"}}},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {
            "locale": {
                "name": "English (US)",
                "code": "en_US",
                "thousandsSeparator": ",",
                "decimalSeparator": ".",
                "dateFormat": "mm/dd/yyyy",
                "timeFormat": "hh:mm:ss",
                "formulaArgSeparator": ",",
                "weekStart": 1,
            }
        },
        "pivots": PIVOTS,
        "pivotNextId": len(PIVOTS) + 1,
        "lists": {},
        "listNextId": 1,
        "customTableStyles": {},
        "globalFilters": GLOBAL_FILTERS,
        "chartOdooMenusReferences": CHART_MENUS,
    }


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(spreadsheet(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {OUT}")
