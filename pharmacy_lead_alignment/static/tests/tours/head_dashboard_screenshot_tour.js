import {registry} from "@web/core/registry";
import {openCrm, openMenu, screenshot} from "./pla_tour_utils";

/**
 * The head of the pharmacy opens the Alignment Dashboard from the CRM
 * reporting menu; the screenshot shows every tile once loaded.
 * Data: TestHeadTour in tests/test_tours.py (pla_head_dashboard walks the
 * tiles and the process map).
 */
registry.category("web_tour.tours").add("pla_head_dashboard_screenshot", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMenu(
            "pharmacy_lead_alignment.pharmacy_alignment_dashboard_menu",
            "crm.crm_menu_report"
        ),
        {
            content: "The dashboard has loaded its figures",
            trigger:
                ".o_pla_dashboard_body:not(.o_pla_loading) .o_pla_tile_funnel .o_pla_funnel_stage[data-stage='won']",
        },
        {
            trigger: ".o_pla_dashboard_body .o_pla_tile_rejections .o_pla_rejection",
        },
        {
            trigger: ".o_pla_dashboard_body .o_pla_tile_roi:contains('Flu season')",
        },
        ...screenshot("head_dashboard"),
    ],
});
