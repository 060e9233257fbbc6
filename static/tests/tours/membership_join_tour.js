import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_utils";

/**
 * A membership officer on a contact's form makes it join a calendar-year plan
 * on 15 March 2027 from the Membership tab, sees the prorated fee before
 * confirming, lands on the new subscription waiting for the payment of its
 * posted invoice, then finds it through the Membership app's menus.
 * The test opens the contact's form (tests/test_tour.py).
 */
registry.category("web_tour.tours").add("membership_dues_join_tour", {
    steps: () => [
        {
            content: "Open the Membership tab of the contact",
            trigger: '.o_notebook .nav-link:contains("Membership")',
            run: "click",
        },
        {
            content: "Not a member yet",
            trigger: '.o_field_widget[name=dues_member_state]:contains("Not a Member")',
        },
        {
            content: "Join a plan",
            trigger: "button[name=action_open_join_wizard]",
            run: "click",
        },
        {
            content: "The member is the contact",
            trigger: '.modal .o_field_widget[name=partner_id] input:value("Tour Member")',
        },
        {
            content: "Choose the plan",
            trigger: ".modal .o_field_widget[name=plan_id] input",
            run: "edit Tour Plan",
        },
        {
            // Enter waits for the last search typed (a click could pick an
            // earlier, partial search's result and let the last one reopen the list)
            content: "Pick the plan found",
            trigger: '.modal .o_field_widget[name=plan_id] .o-autocomplete--dropdown-item a:contains("Tour Plan")',
            run: "press Enter",
        },
        {
            content: "The plan's fee is known",
            trigger: '.modal .o_field_widget[name=full_amount]:contains("240.00")',
        },
        {
            content: "Leave the plan field",
            trigger: ".modal .modal-title",
            run: "click",
        },
        {
            content: "No autocomplete left open",
            trigger: ".modal:not(:has(.o-autocomplete--dropdown-menu))",
        },
        {
            content: "Open the joining date (today by default)",
            trigger: ".modal .o_field_widget[name=join_date] button[data-field=join_date]",
            run: "click",
        },
        {
            content: "Joining date: 15 March 2027",
            trigger: ".modal input[data-field=join_date]",
            run: "edit 03/15/2027",
        },
        {
            content: "Leave the date field",
            trigger: ".modal .modal-title",
            run: "click",
        },
        {
            content: "The prorated fee is shown before confirming: 10/12 of 240",
            trigger: '.modal .o_field_widget[name=amount]:contains("200.00")',
        },
        {
            trigger: '.modal .o_field_widget[name=fee_explanation]:contains("10/12 months")',
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The subscription waits for the payment of its posted invoice",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Waiting Payment")',
        },
        {
            content: "The member got its number",
            trigger: '.o_form_view .o_field_widget[name=member_number]:contains("M")',
        },
        ...stepUtils.goToAppSteps("membership_dues.membership_menu_root", "Open the Membership app"),
        {
            content: "Open the Members menu",
            trigger: 'button[data-menu-xmlid="membership_dues.membership_menu_members"]',
            run: "click",
        },
        {
            content: "Open the subscriptions",
            trigger: 'a[data-menu-xmlid="membership_dues.membership_menu_subscriptions"]',
            run: "click",
        },
        {
            content: "The new subscription is listed",
            trigger: '.o_list_view .o_data_row:contains("Tour Member"):contains("Waiting Payment")',
        },
    ],
});
