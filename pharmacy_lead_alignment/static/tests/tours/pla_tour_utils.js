import {stepUtils} from "@web_tour/tour_service/tour_utils";

/**
 * Steps shared by the tours of pharmacy_lead_alignment.
 *
 * Triggers use field names, button names, menu xmlids and the names of the
 * records the Python test creates, never a translated label, so that a tour
 * also runs for a user whose language is not English.
 */

/** Console message that asks the Python test for a screenshot. */
export const SCREENSHOT_SIGNAL = "pla_screenshot:";

/**
 * Open the CRM app from the apps menu, as a user does after logging in.
 *
 * @returns {Object[]}
 */
export function openCrm() {
    return [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "The CRM app is open",
            trigger: ".o_main_navbar [data-menu-xmlid='crm.crm_menu_root']",
        },
    ];
}

/**
 * Click a menu of the CRM app: a top-level entry, or an entry of the
 * dropdown of ``parentXmlid``.
 *
 * @param {String} xmlid the menu to open
 * @param {String} [parentXmlid] its top-level section, for a dropdown entry
 * @returns {Object[]}
 */
export function openMenu(xmlid, parentXmlid) {
    const steps = [];
    if (parentXmlid) {
        steps.push({
            content: `Open the menu ${parentXmlid}`,
            trigger: `.o_menu_sections button[data-menu-xmlid='${parentXmlid}']`,
            run: "click",
        });
    }
    steps.push({
        content: `Open ${xmlid}`,
        trigger: parentXmlid
            ? `.o-dropdown--menu .dropdown-item[data-menu-xmlid='${xmlid}']`
            : `.o_menu_sections [data-menu-xmlid='${xmlid}']`,
        run: "click",
    });
    return steps;
}

/**
 * Open the hand-off wizard from the lead's form.
 *
 * @returns {Object}
 */
export function openHandoff() {
    return {
        content: "Hand it off",
        trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_handoff]",
        run: "click",
    };
}

/**
 * Confirm the hand-off wizard.
 *
 * @returns {Object}
 */
export function confirmHandoff() {
    return {
        content: "Confirm the hand-off",
        trigger: ".modal button[name=action_confirm]",
        run: "click",
    };
}

/**
 * Hand the open lead off by hand: open the wizard, choose the sales team and
 * the salesperson each from its autocomplete, and confirm.
 *
 * @param {String} team the sales team
 * @param {String} salesperson a member of that team
 * @param {Boolean} [type] type the names into the fields; without, open
 *     each field with a click (every click of the user counts)
 * @returns {Object[]}
 */
export function handOffByHand(team, salesperson, type = false) {
    const open = (name) => (type ? `edit ${name}` : "click");
    return [
        openHandoff(),
        {
            content: "Choose the sales team",
            trigger: ".modal .o_field_widget[name=team_id] input",
            run: open(team),
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${team}')`,
            run: "click",
        },
        {
            content: "Choose the salesperson, a member of that team",
            trigger: ".modal .o_field_widget[name=user_id] input",
            run: open(salesperson),
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${salesperson}')`,
            run: "click",
        },
        {
            trigger: `.modal .o_field_widget[name=user_id] input:value(${salesperson})`,
        },
        confirmHandoff(),
    ];
}

/**
 * The lead's form shows it handed off, the wizard closed.
 *
 * @returns {Object}
 */
export function handedOff() {
    return {
        content: "The lead shows as handed off",
        trigger:
            "body:not(:has(.modal)) .o_form_view .o_field_widget[name=lifecycle_state] .o_arrow_button_current[data-value=handed_off]",
    };
}

/**
 * Ask the Python test (PharmacyTourCase._start_tour) to save a screenshot
 * of the page as it is now, and wait until it has.
 *
 * The test hears the console message, captures the page, then sets
 * ``data-pla-screenshot`` on the body: the next step waits for it, so the
 * tour does not move on before the picture is taken.
 *
 * @param {String} name the key step, mapped by the test to a file name
 * @returns {Object[]}
 */
export function screenshot(name) {
    return [
        {
            content: `Screenshot: ${name}`,
            trigger: "body",
            run() {
                console.log(`${SCREENSHOT_SIGNAL}${name}`);
            },
        },
        {
            content: `Wait until the screenshot ${name} is saved`,
            trigger: `body[data-pla-screenshot='${name}']`,
            timeout: 20000,
        },
    ];
}

/**
 * Scroll an element into view, so that a screenshot shows it.
 *
 * @param {String} trigger the element
 * @param {String} [block] where it goes: "start", "center" or "end"
 * @returns {Object}
 */
export function scrollTo(trigger, block = "center") {
    return {
        content: "Bring it into view",
        trigger,
        run() {
            this.anchor.scrollIntoView({block});
        },
    };
}
