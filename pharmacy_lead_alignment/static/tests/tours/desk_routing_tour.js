import {registry} from "@web/core/registry";
import {
    confirmHandoff,
    handOffByHand,
    handedOff,
    openCrm,
    openHandoff,
    openMenu,
} from "./pla_tour_utils";

/** Console message that reports the clicks of a hand-off to the Python test. */
const CLICKS_SIGNAL = "pla_clicks:";
const BY_HAND = "Clinic «Health»: vaccines";
const PREFILLED = "Clinic «Vita»: first aid kits";
const ONE_CLICK = "Doctor Petrova: samples";

/** Start counting the clicks the user makes (every click event in the page). */
function startCounting(path) {
    return {
        content: `Count the clicks of the hand-off: ${path}`,
        trigger: ".o_kanban_view .o_kanban_record",
        run() {
            if (!window.plaClickCounter) {
                window.plaClickCounter = {count: 0};
                document.addEventListener(
                    "click",
                    () => window.plaClickCounter.count++,
                    true
                );
            }
            window.plaClickCounter.count = 0;
        },
    };
}

/** Report the clicks counted since startCounting, and check them. */
function reportClicks(path, expected) {
    return {
        content: `${expected} clicks: ${path}`,
        trigger: "body",
        run() {
            const count = window.plaClickCounter.count;
            console.log(`${CLICKS_SIGNAL}${path}:${count}`);
            if (count !== expected) {
                throw new Error(`${path}: ${count} clicks, expected ${expected}`);
            }
        },
    };
}

function backToTheDesk(lead) {
    return [
        handedOff(),
        {
            content: "Back to the desk",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            content: "The lead has left the desk's queue",
            trigger: `.o_kanban_view:not(:has(.o_kanban_record:contains('${lead}')))`,
        },
    ];
}

/**
 * The desk hands off three qualified leads that the routing sends to
 * B2B Clinics (salesperson Ivan Petrov, by Odoo's assignment), counting the
 * clicks: as before routing (team and salesperson chosen by hand), with the
 * wizard filled in by the routing, and from the card in one click.
 * Data: TestDeskRoutingTour in tests/test_routing_tour.py.
 */
registry.category("web_tour.tours").add("pla_desk_routing", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMenu("pharmacy_lead_alignment.crm_lead_menu_desk"),
        // 1. As before routing: every choice made by hand
        startCounting("by hand"),
        {
            content: "Open the lead",
            trigger: `.o_kanban_record:contains('${BY_HAND}')`,
            run: "click",
        },
        ...handOffByHand("B2B Clinics", "Ivan Petrov"),
        ...backToTheDesk(BY_HAND),
        reportClicks("by hand", 8),
        // 2. The wizard, filled in by the routing
        startCounting("wizard"),
        {
            content: "Open the lead",
            trigger: `.o_kanban_record:contains('${PREFILLED}')`,
            run: "click",
        },
        openHandoff(),
        {
            content: "The routing chose the team and the salesperson",
            trigger: ".modal .o_field_widget[name=team_id] input:value(B2B Clinics)",
        },
        {
            trigger: ".modal .o_field_widget[name=user_id] input:value(Ivan Petrov)",
        },
        confirmHandoff(),
        {
            content: "The notification says to whom, and until when",
            trigger: ".o_notification:contains('Handed off to B2B Clinics')",
        },
        ...backToTheDesk(PREFILLED),
        reportClicks("wizard", 4),
        // 3. One click, from the card
        startCounting("card"),
        {
            content: "Hand off to the suggested team, from the card",
            trigger: `.o_kanban_record:contains('${ONE_CLICK}') button[name=action_handoff_suggested]:contains('B2B Clinics')`,
            run: "click",
        },
        {
            content: "The notification says to whom, and until when",
            trigger:
                ".o_notification:contains('Handed off to B2B Clinics'):contains('they have until')",
        },
        {
            content: "The desk's queue reloaded without the lead",
            trigger: `.o_kanban_view:not(:has(.o_kanban_record:contains('${ONE_CLICK}')))`,
        },
        reportClicks("card", 1),
    ],
});
