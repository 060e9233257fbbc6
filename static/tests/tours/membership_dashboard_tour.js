import {registry} from "@web/core/registry";

/**
 * A membership officer opens Membership > Reporting > Overview: the
 * Membership Overview dashboard of the Dashboards app. Its figures are drawn
 * on a canvas, so the tour reads them from the dashboard's spreadsheet model:
 * the key figures of the Data sheet are numbers above zero, no cell of the
 * dashboard is an error, and every chart has data.
 * The test creates members, a campaign and dues invoices
 * (tests/test_dashboard.py).
 */
const LOADING = "Loading...";
const NON_ZERO = [
    "Members",
    "Joined",
    "Renewed",
    "Left",
    "Sent",
    "Approved",
    "Dues Invoiced",
    "Dues Collected",
    "Dues Outstanding",
];

function activeModel() {
    const loader = odoo.__WOWL_DEBUG__.root.env.services.spreadsheet_dashboard_loader;
    const dashboard = loader && loader.getActiveDashboard();
    return dashboard && dashboard.model;
}

function dashboardState(model) {
    const getters = model.getters;
    const problems = [];
    let loading = false;
    const figures = {};
    for (const sheetId of getters.getSheetIds()) {
        const sheetName = getters.getSheetName(sheetId);
        for (const position of getters.getEvaluatedCellsPositions(sheetId)) {
            const cell = getters.getEvaluatedCell(position);
            if (cell.value === LOADING) {
                loading = true;
            } else if (cell.type === "error") {
                problems.push(`${sheetName} ${position.col},${position.row}: ${cell.value} ${cell.message || ""}`);
            }
            if (sheetName === "Data" && position.col === 0 && position.row > 0) {
                const label = cell.value;
                const current = getters.getEvaluatedCell({sheetId, col: 1, row: position.row});
                figures[label] = current.value;
            }
        }
        for (const chartId of getters.getChartIds(sheetId)) {
            const runtime = getters.getChartRuntime(chartId);
            const type = getters.getChartDefinition(chartId).type;
            if (type === "scorecard") {
                continue;
            }
            const datasets = (runtime.chartJsConfig && runtime.chartJsConfig.data.datasets) || [];
            // numbers, {x, y} points or [start, end] bars (a funnel's)
            const values = datasets.flatMap((dataset) => dataset.data || []).flat();
            if (!values.some((value) => Number(value) || (value && Number(value.y)))) {
                figures[`chart ${getters.getChartDefinition(chartId).title.text}`] = 0;
            }
        }
    }
    return {loading, problems, figures};
}

registry.category("web_tour.tours").add("membership_dues_dashboard_tour", {
    steps: () => [
        {
            content: "The Membership Overview is the open dashboard",
            trigger: '.o_spreadsheet_dashboard_search_panel .active:contains("Membership Overview")',
        },
        {
            content: "Filtered by period (the last twelve months by default)",
            trigger: '.o_spreadsheet_dashboard_action .o_control_panel:contains("Last 12 Months")',
        },
        {
            content: "The dashboard is drawn",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid",
        },
        {
            content: "Its figures are numbers, its charts have data, nothing is an error",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid",
            async run() {
                const model = activeModel();
                if (!model) {
                    throw new Error("no active dashboard model");
                }
                let state = dashboardState(model);
                for (let attempt = 0; attempt < 80 && (state.loading || missing(state).length); attempt++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                    state = dashboardState(model);
                }
                const errors = [...state.problems];
                if (state.loading) {
                    errors.push("still loading");
                }
                errors.push(...missing(state).map((name) => `${name}: ${state.figures[name]}`));
                if (errors.length) {
                    throw new Error(`Membership Overview: ${errors.join("; ")}`);
                }
                console.info(`Membership Overview figures: ${JSON.stringify(state.figures)}`);
            },
        },
    ],
});

function missing(state) {
    const empty = NON_ZERO.filter((name) => !(Number(state.figures[name]) > 0));
    const charts = Object.keys(state.figures).filter((name) => name.startsWith("chart "));
    return [...empty, ...charts];
}
