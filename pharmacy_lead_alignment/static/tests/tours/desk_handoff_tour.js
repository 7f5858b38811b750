import {registry} from "@web/core/registry";
import {
    handOffByHand,
    handedOff,
    openCrm,
    openMenu,
    screenshot,
    scrollTo,
} from "./pla_tour_utils";

const LEAD = "Clinic «Health»: vaccines";

/**
 * The desk opens the Lead Desk, reads why a qualified lead scores what it
 * does, and hands it off to a sales team and salesperson.
 * Data: TestDeskTour in tests/test_tours.py.
 */
registry.category("web_tour.tours").add("pla_desk_handoff", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMenu("pharmacy_lead_alignment.crm_lead_menu_desk"),
        {
            content: "The desk kanban, grouped by lifecycle state",
            trigger: ".o_kanban_view .o_kanban_group .o_kanban_record",
        },
        {
            content: "Open the qualified lead",
            trigger: `.o_kanban_record:contains('${LEAD}')`,
            run: "click",
        },
        {
            content: "The lead is Marketing Qualified",
            trigger:
                ".o_form_view .o_field_widget[name=lifecycle_state] .o_arrow_button_current[data-value=mql]",
        },
        {
            content: "Open the Score tab",
            trigger: ".o_notebook a.nav-link[name=pla_score]",
            run: "click",
        },
        {
            content: "The fit rules it matches, with their points",
            trigger:
                ".o_field_widget[name=score_rule_ids] .o_data_row:has(td[name=name]:contains('Segment: clinic')):has(td[name=points]:contains('30'))",
        },
        {
            trigger:
                ".o_field_widget[name=score_rule_ids] .o_data_row:has(td[name=name]:contains('Decision maker')):has(td[name=points]:contains('20'))",
        },
        {
            trigger:
                ".o_field_widget[name=score_rule_ids] .o_data_row:has(td[name=name]:contains('E-mail address given')):has(td[name=points]:contains('5'))",
        },
        {
            content: "They add up to the score",
            trigger: ".o_notebook .o_field_widget[name=lead_score]:contains('55')",
        },
        scrollTo(".o_form_view .o_notebook", "start"),
        ...screenshot("desk_score_breakdown"),
        ...handOffByHand("B2B Clinics", "Ivan Petrov", true),
        handedOff(),
        {
            content: "to the sales team, and its response clock runs",
            trigger: ".o_form_view .o_notebook a.nav-link[name=pla_sla]",
        },
    ],
});
