import {registry} from "@web/core/registry";

/**
 * A membership officer on a member company's contact form: each smart button
 * shows how many of the company's records of its kind there are, and opens
 * the list of exactly those records. The test opens the company's form
 * (tests/test_contact_buttons.py): 3 subscriptions, 1 renewal notice,
 * 2 declarations, 3 dues invoices, 1 follow-up communication.
 */
const MEMBER = "Atelier Dupont SA";
const BUTTONS = [
    // button, count, list title
    ["action_view_dues_subscriptions", 3, "Subscriptions"],
    ["action_view_dues_renewals", 1, "Renewal Notices"],
    ["action_view_dues_declarations", 2, "Declarations"],
    ["action_view_dues_invoices", 3, "Dues Invoices"],
    ["action_view_dues_followups", 1, "Follow-up Communications"],
];

// exactly ``count`` rows in the list
const rows = (count) =>
    `.o_list_view .o_list_table:has(tbody .o_data_row:nth-child(${count})):not(:has(tbody .o_data_row:nth-child(${count + 1})))`;

function buttonSteps([button, count, title]) {
    const selector = `.o-form-buttonbox button[name=${button}]`;
    return [
        {
            // the buttons that do not fit are under "More"
            content: `Find the ${title} button`,
            trigger: ".o-form-buttonbox",
            run() {
                if (!document.querySelector(selector)) {
                    document.querySelector(".o-form-buttonbox .o_button_more").click();
                }
            },
        },
        {
            content: `${title}: ${count} on the button`,
            trigger: `${selector} .o_stat_value:contains("${count}")`,
        },
        {
            content: `Open the ${title}`,
            trigger: selector,
            run: "click",
        },
        {
            content: `The ${title} of the member`,
            trigger: `.o_breadcrumb .o_last_breadcrumb_item:contains("${title} of ${MEMBER}")`,
        },
        {
            content: `${count} listed, as counted`,
            trigger: rows(count),
        },
        {
            content: "Back to the member",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            content: "The member's form again",
            trigger: `.o_form_view .o_field_widget[name=name] input:value("${MEMBER}")`,
        },
        {
            content: "Its buttons are back",
            trigger: ".o-form-buttonbox button[name=action_view_membership_subscriptions]",
        },
    ];
}

registry.category("web_tour.tours").add("membership_dues_contact_buttons_tour", {
    steps: () => [
        {
            content: "The membership status on the member's form",
            trigger: '.o-form-buttonbox button[name=action_view_membership_subscriptions]:contains("Member")',
        },
        ...BUTTONS.flatMap(buttonSteps),
    ],
});
