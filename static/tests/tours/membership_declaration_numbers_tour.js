import {registry} from "@web/core/registry";

/**
 * A French-speaking member's contact declares the 2027 figures as French
 * speakers write numbers: "1.500.000" and "120.000" are thousands, "1,500"
 * is ambiguous (1,5 or 1 500?) and gets a question, and a headcount twelve
 * times last year's is confirmed before it is saved.
 * The test opens the 2027 declaration (tests/test_declaration_numbers.py).
 */
registry.category("web_tour.tours").add("membership_dues_declaration_numbers_fr", {
    steps: () => [
        {
            content: "Last year's payroll, as French speakers write it",
            trigger: "[data-figure=payroll] input[value='50 000']",
        },
        {
            content: "Turnover: ambiguous for a French speaker",
            trigger: "[data-figure=turnover] input",
            run: "edit 1,500",
        },
        {
            content: "Payroll: a dot between thousands",
            trigger: "[data-figure=payroll] input",
            run: "edit 120.000",
        },
        {
            content: "Headcount",
            trigger: "[data-figure=headcount] input",
            run: "edit 5",
        },
        {
            content: "Declare",
            expectUnloadPage: true,
            trigger: "#declaration_submit",
            run: "click",
        },
        {
            content: "The turnover gets a question with both readings",
            trigger: "[data-figure=turnover] .invalid-feedback:contains('1,5'):contains('1 500')",
        },
        {
            content: "The payroll is read and kept as typed",
            trigger: "[data-figure=payroll] input:not(.is-invalid)[value='120.000']",
        },
        {
            content: "Turnover: thousands with dots",
            trigger: "[data-figure=turnover] input",
            run: "edit 1.500.000",
        },
        {
            content: "Headcount: twelve times last year's",
            trigger: "[data-figure=headcount] input",
            run: "edit 50",
        },
        {
            content: "Declare again",
            expectUnloadPage: true,
            trigger: "#declaration_submit",
            run: "click",
        },
        {
            content: "Nothing saved yet: the large change is to confirm",
            trigger: "#declaration_large_changes",
        },
        {
            content: "Confirm the headcount",
            trigger: "[data-figure=headcount] .alert-warning input[type=checkbox]",
            run: "click",
        },
        {
            content: "Declare, confirmed",
            expectUnloadPage: true,
            trigger: "#declaration_submit",
            run: "click",
        },
        {
            content: "Declared",
            trigger: "#declaration_done",
        },
    ],
});
