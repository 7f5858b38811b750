import {registry} from "@web/core/registry";
import {openCrm, openMenu, screenshot} from "./pla_tour_utils";

const LEAD = "Clinic «Health»: vaccines";
const OTHER_LEAD = "Care home «Sunny»";

/**
 * A sales rep finds a lead handed off by the desk among their incoming leads
 * (with its response deadline), reviews it from its kanban card, rejects it
 * with a reason and a rating, and the card leaves their view.
 * Data: TestSalesTour and TestSalesTourRussian in tests/test_tours.py.
 *
 * Every trigger uses names and classes; the only texts are the record names,
 * the reason (a record of the module, translated) and the comment, given per
 * language, plus, in Russian, a label that proves the interface is translated.
 *
 * @param {Object} texts
 * @param {String} texts.reason the name of the reason "Wrong contact data"
 * @param {String} texts.comment the comment of the review
 * @param {Object[]} [texts.checks] extra steps checking translated labels
 * @returns {Object[]}
 */
function salesReviewSteps({reason, comment, checks = []}) {
    const card = `.o_kanban_record:contains('${LEAD}')`;
    return [
        ...openCrm(),
        ...openMenu(
            "pharmacy_lead_alignment.crm_lead_menu_incoming",
            "crm.crm_menu_sales"
        ),
        {
            content: "The handed-off lead waits for a review",
            trigger: `${card}:has(button[name=action_open_review])`,
        },
        {
            content: "with its response deadline (SLA timer), on time",
            trigger: `${card} i.fa-clock-o.text-success + span + span:not(:empty)`,
        },
        ...checks,
        {
            content: "Review it from its card",
            trigger: `${card} button[name=action_open_review]`,
            run: "click",
        },
        {
            content: "Reject it",
            trigger: ".modal .o_field_widget[name=verdict] input[data-value=reject]",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name=reason_id] input",
            run: "click",
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${reason}')`,
            run: "click",
        },
        {
            trigger: `.modal .o_field_widget[name=reason_id] input:value(${reason})`,
        },
        {
            content: "Rate the lead: the third star, “Good”",
            trigger: ".modal .o_field_widget[name=rating] .o_priority_star:eq(2)",
            run: "click",
        },
        {
            trigger:
                ".modal .o_field_widget[name=rating] .o_priority_star.fa-star:eq(2)",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=comment] textarea",
            run: `edit ${comment}`,
        },
        ...screenshot("sales_review"),
        {
            content: "Confirm the review",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The review is saved: its dialog closes, with no error dialog",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The other incoming lead is still there",
            trigger: `.o_kanban_record:contains('${OTHER_LEAD}')`,
        },
        {
            content: "but the rejected lead has left the sales view",
            trigger: `.o_kanban_view:not(:has(${card}))`,
        },
    ];
}

registry.category("web_tour.tours").add("pla_sales_review", {
    url: "/odoo",
    steps: () =>
        salesReviewSteps({
            reason: "Wrong contact data",
            comment: "The phone number belongs to another clinic.",
        }),
});

/** The same review by a sales rep whose language is Russian. */
registry.category("web_tour.tours").add("pla_sales_review_ru", {
    url: "/odoo",
    steps: () =>
        salesReviewSteps({
            reason: "Неверные контактные данные",
            comment: "Телефон принадлежит другой клинике.",
            checks: [
                {
                    content: "The interface is in Russian",
                    trigger:
                        ".o_kanban_record button[name=action_open_review]:contains('Рассмотреть')",
                },
            ],
        }),
});
