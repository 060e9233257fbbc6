import {registry} from "@web/core/registry";

/**
 * The member's tiles on the portal home (tests/test_portal_tiles.py): each
 * with its count and, when something waits for the member, a warning badge.
 */

/** The tile linking to ``url`` (shown), its count being ``count``. */
function tileCount(url, count) {
    return `.o_portal_index_card:not(.d-none) > a[href='${url}'] .badge[data-placeholder_count]:contains(${count})`;
}

/** Every counter of the home page received (the spinner is gone). */
const countersLoaded = {
    content: "The home page's counters are loaded",
    trigger: ".o_portal_my_home:not(:has(.o_portal_doc_spinner))",
};

/**
 * Fails when a cell of the table ``tbodySelector`` is cut (Odoo's portal
 * tables cut a cell's text with an ellipsis) or when the table is wider than
 * the screen; at phone width, the columns for wider screens are hidden.
 */
function checkTableFits(tbodySelector) {
    const tbody = document.querySelector(tbodySelector);
    const wrapper = tbody.closest(".table-responsive");
    if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
        throw new Error(
            `${tbodySelector}: the table is ${wrapper.scrollWidth}px wide on a ${wrapper.clientWidth}px screen`
        );
    }
    for (const element of tbody.querySelectorAll("td, td .badge")) {
        if (element.offsetParent && element.scrollWidth > element.clientWidth + 1) {
            throw new Error(`${tbodySelector}: "${element.textContent.trim()}" is cut`);
        }
    }
    if (window.innerWidth < 768) {
        for (const cell of tbody.closest("table").querySelectorAll(".d-md-table-cell")) {
            if (getComputedStyle(cell).display !== "none") {
                throw new Error(`${tbodySelector}: "${cell.textContent.trim()}" is shown at phone width`);
            }
        }
    }
}

registry.category("web_tour.tours").add("membership_dues_portal_tiles", {
    steps: () => [
        countersLoaded,
        {
            content: "My Membership: 2 periods, 1 invoice to pay",
            trigger: `${tileCount("/my/membership", 2)}`,
        },
        {
            content: "its badge",
            trigger: "#membership_todo:not(.d-none) .badge:contains(1):contains(to pay)",
        },
        {
            content: "Declarations: 2, 1 to declare",
            trigger: `${tileCount("/my/declarations", 2)}`,
        },
        {
            content: "its badge",
            trigger: "#declaration_todo:not(.d-none) .badge:contains(1):contains(to declare)",
        },
        {
            content: "Renewal notices: 1, to answer",
            trigger: `${tileCount("/my/renewals", 1)}`,
        },
        {
            content: "its badge",
            trigger: "#renewal_todo:not(.d-none) .badge:contains(1):contains(to answer)",
        },
        {
            content: "Open My Membership",
            expectUnloadPage: true,
            trigger: "a[href='/my/membership']",
            run: "click",
        },
        {
            content: "The invoice to pay, with its Pay button",
            trigger: "#membership_to_pay a.btn:contains(Pay)",
        },
        {
            content: "The period waiting for payment in the history",
            trigger: "#membership_history .badge:contains(Waiting Payment)",
            run() {
                checkTableFits("#membership_history");
            },
        },
    ],
});

/**
 * The same member at phone width (390 px): the tiles, then the three lists
 * read without anything cut or scrolled sideways.
 */
registry.category("web_tour.tours").add("membership_dues_portal_phone", {
    steps: () => [
        countersLoaded,
        {
            content: "My Membership: 1 period",
            trigger: `${tileCount("/my/membership", 1)}`,
        },
        {
            content: "nothing to pay: no badge",
            trigger: "a[href='/my/membership']:has(#membership_todo.d-none)",
        },
        {
            content: "a declaration to make",
            trigger: "#declaration_todo:not(.d-none)",
        },
        {
            content: "Open My Membership",
            expectUnloadPage: true,
            trigger: "a[href='/my/membership']",
            run: "click",
        },
        {
            content: "The history reads in full: status and invoice under the period",
            trigger: "#membership_history .badge:contains(Active)",
            run() {
                checkTableFits("#membership_history");
            },
        },
        {
            content: "Back home",
            expectUnloadPage: true,
            trigger: ".o_portal_submenu a[href='/my/home']",
            run: "click",
        },
        {
            content: "Open the declarations",
            expectUnloadPage: true,
            trigger: ".o_portal_index_card:not(.d-none) > a[href='/my/declarations']",
            run: "click",
        },
        {
            content: "The declarations read in full, with the one to make",
            trigger: "#declaration_list a.btn:contains(Declare)",
            run() {
                checkTableFits("#declaration_list");
            },
        },
        {
            content: "Back home",
            expectUnloadPage: true,
            trigger: ".o_portal_submenu a[href='/my/home']",
            run: "click",
        },
        {
            content: "Open the renewal notices",
            expectUnloadPage: true,
            trigger: ".o_portal_index_card:not(.d-none) > a[href='/my/renewals']",
            run: "click",
        },
        {
            content: "The notices read in full, with the one to answer",
            trigger: "#renewal_list a.btn:contains(Answer)",
            run() {
                checkTableFits("#renewal_list");
            },
        },
    ],
});
