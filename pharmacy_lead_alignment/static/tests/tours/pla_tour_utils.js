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
