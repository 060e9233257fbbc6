import {registry} from "@web/core/registry";

/**
 * A member company's contact, logged in on the portal, declares this year's
 * figures, sees the renewal notice's fee recomputed on them with its
 * explanation, accepts the renewal, pays the invoice with Odoo's demo payment
 * provider, and finds the membership with its card to download.
 * The test opens the 2027 declaration (tests/test_member_portal.py).
 */
registry.category("web_tour.tours").add("membership_dues_portal_renew_and_pay", {
    steps: () => [
        {
            content: "The deadline is shown",
            trigger: "#declaration_deadline:contains(01/31/2027)",
        },
        {
            content: "Turnover (pre-filled with last year's)",
            trigger: ".mb-3:has(label:contains(Turnover)) input",
            run: "edit 1 500 000",
        },
        {
            content: "Payroll",
            trigger: ".mb-3:has(label:contains(Payroll)) input",
            run: "edit 50000",
        },
        {
            content: "Headcount",
            trigger: ".mb-3:has(label:contains(Headcount)) input",
            run: "edit 5",
        },
        {
            content: "Declare",
            expectUnloadPage: true,
            trigger: "#declaration_submit",
            run: "click",
        },
        {
            content: "Declared; go to the renewal notice",
            expectUnloadPage: true,
            trigger: "#declaration_done a[href='/my/renewals']",
            run: "click",
        },
        {
            content: "Open the 2027 notice",
            expectUnloadPage: true,
            trigger: "a:contains(Company member)",
            run: "click",
        },
        {
            content: "The fee is recomputed on the declared figures",
            trigger: "#renewal_amount:contains(810.00)",
        },
        {
            content: "and explained",
            trigger: "#renewal_explanation:contains(Turnover):contains(1,500,000)",
        },
        {
            content: "Accept",
            expectUnloadPage: true,
            trigger: "#renewal_accept",
            run: "click",
        },
        {
            content: "Accepted: pay the invoice",
            expectUnloadPage: true,
            trigger: "#renewal_pay",
            run: "click",
        },
        {
            content: "Pay Now on the invoice",
            trigger: "a[data-bs-target='#pay_with']",
            run: "click",
        },
        {
            content: "Demo provider's test card",
            trigger: "#pay_with #customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            expectUnloadPage: true,
            trigger: "#pay_with button[name=o_payment_submit_button]",
            run: "click",
        },
        {
            content: "Back on the invoice, paid (the status page post-processed the payment)",
            trigger: ".o_account_payment_tx_status",
            timeout: 30000,
        },
        {
            content: "Go to the membership",
            expectUnloadPage: true,
            trigger: "body",
            run: "goToUrl /my/membership",
        },
        {
            content: "A member, with the 2027 period paid",
            trigger: "#dues_member_state:contains(Member)",
        },
        {
            content: "The next period is paid",
            trigger: "tr:contains(01/01/2027 to 12/31/2027):contains(Paid, Upcoming)",
        },
        {
            content: "The card can be downloaded",
            trigger: "a#membership_card_download[href='/my/membership/card']",
        },
    ],
});

/** The member asks for a change instead of accepting. */
registry.category("web_tour.tours").add("membership_dues_portal_request_change", {
    steps: () => [
        {
            content: "The notice waits for an answer",
            trigger: "#renewal_state:contains(Sent)",
        },
        {
            content: "Say what should change",
            trigger: "#renewal_comment",
            run: "edit Our headcount went down to 3: please use the associate plan.",
        },
        {
            content: "Ask for the change",
            expectUnloadPage: true,
            trigger: "#renewal_request_change",
            run: "click",
        },
        {
            content: "The request is recorded",
            trigger: "#renewal_state:contains(Change Requested)",
        },
    ],
});

/** An anonymous visitor opens the link of the notice's email and accepts. */
registry.category("web_tour.tours").add("membership_dues_portal_token_accept", {
    steps: () => [
        {
            content: "The notice, without logging in",
            expectUnloadPage: true,
            trigger: "#renewal_accept",
            run: "click",
        },
        {
            content: "Accepted",
            trigger: "#renewal_state:contains(Approved)",
        },
        {
            content: "and the invoice can be paid from here",
            trigger: "#renewal_pay",
        },
    ],
});
