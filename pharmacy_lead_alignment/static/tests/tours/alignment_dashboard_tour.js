import { registry } from "@web/core/registry";

/**
 * The head of the pharmacy opens the dashboard from the CRM reporting menu,
 * switches to the quarter, reads each tile and opens the sales-process map.
 */
registry.category("web_tour.tours").add("pla_head_dashboard", {
    url: "/odoo/action-pharmacy_lead_alignment.pharmacy_alignment_dashboard_action",
    steps: () => [
        {
            content: "The funnel shows the marketing-sourced leads that won",
            trigger: ".o_pla_tile_funnel .o_pla_funnel_stage[data-stage='won']",
        },
        {
            content: "Switch to the quarter",
            trigger: ".o_pla_period_quarter",
            run: "click",
        },
        {
            trigger: ".o_pla_period_quarter.active",
        },
        {
            content: "Narrow it to one sales team",
            trigger: "select.o_pla_team",
            run: "selectByLabel Tour Sales",
        },
        {
            content: "The team's own funnel is shown",
            trigger:
                ".o_pla_dashboard_body:not(.o_pla_loading) .o_pla_tile_funnel .o_pla_funnel_stage[data-stage='won']",
        },
        {
            content: "Back to all teams",
            trigger: "select.o_pla_team",
            run: "selectByLabel All teams",
        },
        {
            content: "Both sides of the SLA",
            trigger: ".o_pla_tile_sla",
        },
        {
            content: "Money is shown to the head",
            trigger: ".o_pla_tile_roi:contains('Flu season')",
        },
        {
            content: "Top rejection reasons",
            trigger: ".o_pla_tile_rejections",
        },
        {
            content: "Who has read the map",
            trigger: ".o_pla_tile_ack",
        },
        {
            content: "Open the sales-process map",
            trigger: ".o_pla_open_map",
            run: "click",
        },
        {
            content: "The map in force, with its steps",
            trigger: ".o_form_view .o_field_widget[name='name']:contains('How a lead becomes a customer')",
        },
        {
            trigger: ".o_form_view .o_field_one2many[name='step_ids'] .o_data_row",
        },
    ],
});
