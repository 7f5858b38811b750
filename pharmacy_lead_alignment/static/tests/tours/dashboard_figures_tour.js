import {registry} from "@web/core/registry";

/**
 * The head clicks each figure of the dashboard: the list it opens has as many
 * rows as the figure counts (tools.kpi: one row per fact).
 */
const READY = ".o_pla_dashboard_body:not(.o_pla_loading)";

/**
 * Steps that read a figure, open it and count the rows of the list.
 *
 * @param {String} selector the figure's button, inside the dashboard
 * @param {String} what what the figure counts, for the step descriptions
 * @param {String} [countSelector] the element of the button holding the count
 * @returns {Object[]}
 */
function checkFigure(selector, what, countSelector = null) {
    let expected = null;
    return [
        {
            content: `Read and open the figure: ${what}`,
            trigger: `${READY} ${selector}`,
            run() {
                const counter = countSelector
                    ? this.anchor.querySelector(countSelector)
                    : this.anchor;
                expected = parseInt(counter.textContent.replace(/\D/g, ""), 10);
                if (!Number.isInteger(expected)) {
                    throw new Error(`No count on the figure ${what}`);
                }
                this.anchor.click();
            },
        },
        {
            content: `The list of ${what} has that many rows`,
            trigger: ".o_action_manager .o_list_view .o_content:not(:has(.o_view_sample_data))",
            run() {
                const rows = document.querySelectorAll(
                    ".o_action_manager .o_list_view .o_data_row"
                ).length;
                if (rows !== expected) {
                    throw new Error(`${what}: the figure says ${expected}, the list has ${rows} rows`);
                }
            },
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            trigger: `${READY} ${selector}`,
        },
    ];
}

registry.category("web_tour.tours").add("pla_dashboard_figures", {
    url: "/odoo/action-pharmacy_lead_alignment.pharmacy_alignment_dashboard_action",
    steps: () => [
        ...["inquiry", "mql", "handed_off", "accepted", "opportunity", "won"].flatMap(
            (stage) =>
                checkFigure(
                    `.o_pla_tile_funnel .o_pla_funnel_stage[data-stage='${stage}']`,
                    `funnel stage ${stage}`,
                    ".o_pla_funnel_count"
                )
        ),
        ...checkFigure(".o_pla_sla_clocks", "sales clocks decided"),
        ...checkFigure(".o_pla_sla_met", "sales clocks met"),
        ...checkFigure(".o_pla_sla_breached", "sales clocks breached"),
        ...checkFigure(".o_pla_sla_handed_off", "leads handed off"),
        ...checkFigure(".o_pla_recycled_won", "recycled leads won"),
        ...checkFigure(".o_pla_tile_rejections .o_pla_rejection", "rejections", ".badge"),
    ],
});
