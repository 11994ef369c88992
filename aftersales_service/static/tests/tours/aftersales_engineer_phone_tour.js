/** @odoo-module **/
import {registry} from "@web/core/registry";
import {tickServiceConduct} from "@aftersales_service/../tests/tours/aftersales_tour_steps";

// The engineer's day on a phone (390×844): the order opens from its card;
// arriving, recording what was done, finishing and the customer's signature
// are each a button in sight, never behind the ⚙ menu.
registry.category("web_tour.tours").add("aftersales_engineer_phone", {
    steps: () => [
        {
            content: "The orders are cards: open today's",
            trigger: ".o_kanban_record:contains(PHONE-TOUR)",
            run: "click",
        },
        {
            content: "The reported fault is read first",
            trigger: ".o_form_view .o_field_widget[name=reported_fault]:contains(PHONE-TOUR)",
        },
        {
            content: "On site",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_arrive]:visible",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_finish]:visible",
        },
        {
            content: "Record what was done",
            trigger: ".o_notebook .nav-link[name=work]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=action_ids] .o_field_x2many_list_row_add a, .o_field_widget[name=action_ids] .o-kanban-button-new, .o_field_widget[name=action_ids] button.o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=content] textarea",
            run: "edit Replaced the power module and tested it for 30 minutes.",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_field_widget[name=action_ids]:contains(Replaced the power module)",
        },
        ...tickServiceConduct(),
        {
            content: "Work finished",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_finish]:visible",
            run: "click",
        },
        {
            content: "The customer signs on the phone",
            trigger: ".o_notebook .nav-link[name=signoff]",
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
            trigger: ".modal .btn-primary:enabled:contains(/./)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_sign]:visible",
            run: "click",
        },
        {
            content: "Signed",
            trigger: ".o_form_view:not(:has(button[name=action_sign])) .o_field_widget[name=signed_at]",
        },
    ],
});
