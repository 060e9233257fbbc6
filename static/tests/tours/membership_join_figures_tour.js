import {registry} from "@web/core/registry";

/**
 * A membership officer makes a company join a plan whose fee comes from a
 * tariff grid, on 1 July 2027, while the company has not declared its 2027
 * figures: the wizard shows the period and says which figures to type, offers
 * no Create until they are typed, then shows the fee (648.00 for the year,
 * 324.00 for its second half) and creates the subscription; the figures go
 * into the member's 2027 declaration (checked in tests/test_no_dead_end.py).
 */
const rowValue = (row) => `.modal .o_field_widget[name=figure_line_ids] .o_data_row:nth-child(${row}) td[name=value]`;

function typeFigure(row, name, value) {
    return [
        {
            content: `Click the ${name} cell`,
            trigger: rowValue(row),
            run: "click",
        },
        {
            content: `Type the ${name}`,
            trigger: `${rowValue(row)} input`,
            run: `edit ${value}`,
        },
    ];
}

registry.category("web_tour.tours").add("membership_dues_join_figures_tour", {
    steps: () => [
        {
            content: "Open the Membership tab of the contact",
            trigger: '.o_notebook .nav-link:contains("Membership")',
            run: "click",
        },
        {
            content: "Join a plan",
            trigger: "button[name=action_open_join_wizard]",
            run: "click",
        },
        {
            content: "Choose the tariff plan",
            trigger: ".modal .o_field_widget[name=plan_id] input",
            run: "edit Tour Company Plan",
        },
        {
            // once the search typed is done: the other plans are no longer listed
            content: "Pick the plan found",
            trigger:
                '.modal .o_field_widget[name=plan_id] .o-autocomplete--dropdown-menu:not(:has(a:contains("Associate"))) .o-autocomplete--dropdown-item a:contains("Tour Company Plan")',
            run: "click",
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
            content: "Open the joining date",
            trigger: ".modal .o_field_widget[name=join_date] button[data-field=join_date]",
            run: "click",
        },
        {
            content: "Joining date: 1 July 2027",
            trigger: ".modal input[data-field=join_date]",
            run: "edit 07/01/2027",
        },
        {
            content: "Leave the date field",
            trigger: ".modal .modal-title",
            run: "click",
        },
        {
            content: "The wizard says which figures are missing",
            trigger:
                '.modal .o_field_widget[name=figures_intro]:contains("has not declared Turnover, Payroll, Headcount for 2027")',
        },
        {
            content: "The period is known already",
            trigger: '.modal .o_field_widget[name=date_start]:contains("Jul 1, 2027")',
        },
        {
            content: "It says what to type, and offers no Create yet",
            trigger:
                '.modal:not(:has(button[name=action_confirm])) .o_field_widget[name=fee_error]:contains("Type Turnover, Payroll, Headcount")',
        },
        ...typeFigure(1, "turnover", "800000"),
        ...typeFigure(2, "payroll", "50000"),
        ...typeFigure(3, "headcount", "4"),
        {
            content: "Leave the list of figures",
            trigger: ".modal .modal-title",
            run: "click",
        },
        {
            content: "The fee follows the figures: 648.00 for the year",
            trigger: '.modal .o_field_widget[name=full_amount]:contains("648.00")',
        },
        {
            content: "324.00 for its second half",
            trigger: '.modal .o_field_widget[name=amount]:contains("324.00")',
        },
        {
            content: "Explained with the declared figures",
            trigger: '.modal .o_field_widget[name=fee_explanation]:contains("Headcount: 4 employees (declared)")',
        },
        {
            content: "Create",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The subscription waits for the payment of its posted invoice",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Waiting Payment")',
        },
    ],
});
