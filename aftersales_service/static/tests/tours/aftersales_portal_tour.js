/** @odoo-module **/
import {registry} from "@web/core/registry";

// Portal customer: report a fault on one of their units online, and see the
// request with its response deadlines.
registry.category("web_tour.tours").add("aftersales_portal_fault_report", {
    steps: () => [
        {
            content: "Open one of the units",
            trigger: "a[href^='/my/units/']:contains(PT-CABINET)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "a[href^='/new/ticket?aftersales_unit=']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The unit is already chosen",
            trigger: "select[name=aftersales_unit]:has(option:selected:contains(PT-CABINET))",
        },
        {
            trigger: "select[name=severity]",
            run: "select major",
        },
        {
            trigger: "input[name=subject]",
            run: "edit Cabinet stopped",
        },
        {
            trigger: "textarea[name=description]",
            run: "edit The cabinet stopped after a power cut.",
        },
        {
            trigger: "form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request shows when we respond",
            trigger: "div[name=aftersales_clocks] td.text-end:contains(20)",
        },
    ],
});
