/** @odoo-module **/
import {registry} from "@web/core/registry";

// Service manager: a quarterly analysis, its year read as a year and its
// figures on the form.
registry.category("web_tour.tours").add("aftersales_fault_analysis_figures", {
    steps: () => [
        {
            content: "The year reads 2027, not 2,027",
            trigger: ".o_data_row:contains(Tour Harbour) td[name=year]:text(2027)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=year] input:value(2027)",
        },
        {
            content: "The quarter's figures",
            trigger: ".o_field_widget[name=figures] tr:has(th:contains(Requests)) td:text(1)",
        },
        {
            trigger: ".o_field_widget[name=figures] tr:has(td:contains(Response Time)) td:text(0.50)",
        },
    ],
});
