{
    "name": "After-Sales Service",
    "summary": "Run after-sales service promises: unit warranties from acceptance, "
    "service contracts, response-time clocks, dispatch, loaners and spares",
    "version": "18.0.1.0.0",
    "category": "Services/Helpdesk",
    "author": "Aftersales Service Authors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": [
        "sale_stock",
        "repair",
        "helpdesk_mgmt",
        "base_tier_validation",
        "report_xlsx",
        "resource",
        "portal",
    ],
    "data": [
        "security/aftersales_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "wizards/aftersales_warranty_acceptance_views.xml",
        "views/aftersales_warranty_views.xml",
        "views/product_template_views.xml",
        "views/stock_lot_views.xml",
        "views/res_config_settings_views.xml",
        "views/aftersales_menus.xml",
    ],
    "demo": [
        "demo/aftersales_demo.xml",
    ],
}
