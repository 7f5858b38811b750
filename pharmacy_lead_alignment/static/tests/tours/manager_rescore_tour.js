import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";
import {openCrm, openMenu, screenshot, scrollTo} from "./pla_tour_utils";

const LEAD = "Clinic «Health»: vaccines";
const RULE = "Segment: clinic";

/**
 * The Alignment Manager gives more weight to a fit rule, then sees the lead
 * it matches re-scored at the Lead Desk.
 * Data: TestManagerTour in tests/test_tours.py.
 */
registry.category("web_tour.tours").add("pla_manager_rescore", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMenu(
            "pharmacy_lead_alignment.pharmacy_scoring_rule_menu",
            "crm.crm_menu_config"
        ),
        {
            content: "The rules are grouped by category: open the fit rules",
            trigger: ".o_list_view .o_group_header",
            run: "click",
        },
        {
            content: "Open the fit rule",
            trigger: `.o_list_view .o_data_row td[name=name]:contains('${RULE}')`,
            run: "click",
        },
        {
            content: "Give it 40 points instead of 30",
            trigger: ".o_form_view .o_field_widget[name=points] input",
            run: "edit 40",
        },
        ...stepUtils.saveForm(),
        {
            trigger: ".o_form_view .o_field_widget[name=points] input:value(40)",
        },
        ...openMenu("pharmacy_lead_alignment.crm_lead_menu_desk"),
        {
            content: "At the desk the card of the lead shows its new score",
            trigger: `.o_kanban_record:contains('${LEAD}') .o_field_widget[name=lead_grade] + span:contains('65')`,
        },
        {
            content: "Open the lead",
            trigger: `.o_kanban_record:contains('${LEAD}')`,
            run: "click",
        },
        {
            content: "Open the Score tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name=pla_score]",
            run: "click",
        },
        {
            content: "The rule now gives 40 points",
            trigger: `.o_field_widget[name=score_rule_ids] .o_data_row:has(td[name=name]:contains('${RULE}')):has(td[name=points]:contains('40'))`,
        },
        {
            content: "and the score went from 55 to 65",
            trigger: ".o_notebook .o_field_widget[name=lead_score]:contains('65')",
        },
        scrollTo(".o_form_view .o_notebook", "start"),
        ...screenshot("manager_rule_rescored"),
    ],
});
