{
    "name": "Membership Dues",
    "summary": "Membership plans, periods and proration, subscriptions and their dues invoices",
    "version": "19.0.1.0.0",
    "category": "Sales/Membership",
    "author": "Membership Dues Contributors",
    "website": "https://github.com/membership-dues/membership_dues",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["account", "account_payment", "portal", "mail"],
    "external_dependencies": {"python": ["num2words", "qrcode"]},
    "data": [
        # security
        "security/membership_dues_groups.xml",
        "security/ir.model.access.csv",
        "security/membership_dues_security.xml",
        # data
        "data/ir_sequence_data.xml",
        "data/product_data.xml",
        "data/ir_cron_data.xml",
        "data/membership_figure_data.xml",
        "data/membership_refusal_reason_data.xml",
        # reports, before the mail templates that attach them
        "report/membership_renewal_reports.xml",
        "report/membership_renewal_templates.xml",
        "data/mail_template_data.xml",
        # views
        "views/membership_figure_views.xml",
        "views/membership_category_views.xml",
        "views/membership_tariff_views.xml",
        "views/membership_plan_views.xml",
        "views/membership_declaration_views.xml",
        "wizards/membership_renewal_refuse_wizard_views.xml",
        "views/membership_renewal_views.xml",
        "views/membership_renewal_campaign_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
        "views/membership_subscription_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "wizards/membership_join_wizard_views.xml",
        "wizards/membership_tariff_simulation_views.xml",
        "views/membership_dues_menus.xml",
    ],
    "demo": [
        "demo/membership_dues_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "membership_dues/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
