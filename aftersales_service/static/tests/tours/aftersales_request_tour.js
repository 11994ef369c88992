/** @odoo-module **/
import {registry} from "@web/core/registry";
import {tickServiceConduct} from "@aftersales_service/../tests/tours/aftersales_tour_steps";

// Back office: a phoned-in request is planned and dispatched; the engineer
// arrives, records what was done, the customer signs, and the request closes.
registry.category("web_tour.tours").add("aftersales_request_to_signature", {
    steps: () => [
        {
            content: "The request shows its response times",
            trigger: ".o_field_widget[name=ack_deadline]",
        },
        {
            content: "It can't be solved remotely: plan the service",
            trigger: "button[name=action_plan_service]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=plan] .odoo-editor-editable",
            run: "editor Replace the power module on site.",
        },
        {
            trigger: ".modal .o_field_widget[name=engineer_ids] input",
            run: "edit Mitchell",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Mitchell Admin)",
            run: "click",
        },
        {
            content: "The arrival is proposed; spares first, then dispatch",
            trigger: ".modal button[name=action_plan]",
            run: "click",
        },
        {
            content: "The dispatch order opens: send the engineer",
            trigger: ".o_form_view button[name=action_dispatch]",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_arrive]",
            run: "click",
        },
        {
            // The order is reloaded on site before a line is added to it.
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(On Site)",
        },
        {
            content: "On site: record what was done",
            trigger: ".o_notebook .nav-link:contains(On Site)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=action_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=action_ids] .o_data_row [name=content] textarea",
            run: "edit Replaced the power module and tested it for 30 minutes.",
        },
        ...tickServiceConduct(),
        {
            trigger: ".o_form_view button[name=action_finish]",
            run: "click",
        },
        {
            content: "The customer signs",
            trigger: ".o_notebook .nav-link:contains(Customer Sign-Off)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=signer_name] input",
            run: "edit Wang Wei",
        },
        {
            trigger: ".o_field_widget[name=signature] .o_signature",
            run: "click",
        },
        {
            trigger: ".modal .btn-primary:contains(Adopt & Sign):enabled",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_form_view button[name=action_sign]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Signed)",
        },
        {
            content: "Back to the request: close it",
            trigger: ".o_field_widget[name=ticket_id] a",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=repair_done_at]",
        },
        {
            // Done is a folded stage: it sits in the status bar's "..." menu.
            trigger: ".o_statusbar_status .dropdown-toggle",
            run: "click",
        },
        {
            trigger: ".dropdown-menu .dropdown-item:contains(Done)",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Back to the requests",
            trigger: ".o_main_navbar .o_menu_brand",
            run: "click",
        },
        {
            trigger: ".o_kanban_view, .o_list_view",
        },
    ],
});
