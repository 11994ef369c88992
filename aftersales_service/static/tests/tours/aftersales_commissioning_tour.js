/** @odoo-module **/
import {registry} from "@web/core/registry";

// One test item on a phone: tap its card, enter the value, save.
function measure(item, value) {
    return [
        {
            content: `Measure ${item}`,
            trigger: `.o_field_widget[name=line_ids] .o_kanban_record:contains(${item})`,
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=measured_value] input",
            run: `edit ${value}`,
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) .o_field_widget[name=line_ids] .o_kanban_record:contains(${value})`,
        },
    ];
}

// B2 on a phone (390×844), in Chinese: the engineer fills the unit's
// commissioning record item by item, and the customer signs it.
registry.category("web_tour.tours").add("aftersales_commissioning_phone", {
    steps: () => [
        {
            content: "The record lists the product's checklist as cards",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_kanban_record:contains(接地电阻)",
        },
        ...measure("供电电压", "231"),
        ...measure("绝缘电阻", "760"),
        ...measure("接地电阻", "2.4"),
        {
            content: "A checked item: the engineer judges it",
            trigger: ".o_field_widget[name=line_ids] .o_kanban_record:contains(与中控室通讯)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=judged_result] input[data-value=pass]",
            run: "click",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The customer signs on the phone",
            trigger: ".o_field_widget[name=signer_name] input",
            run: "edit 王伟",
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
            content: "Signed and passed",
            trigger: ".o_form_view:not(:has(button[name=action_sign])) .o_field_widget[name=signed_at]",
        },
    ],
});

// Then the back office records the unit's acceptance.
registry.category("web_tour.tours").add("aftersales_commissioned_acceptance", {
    steps: () => [
        {
            content: "Record the acceptance",
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary:visible",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=accepted_by] input",
            run: "edit 王伟",
        },
        {
            trigger: ".modal button[name=action_accept]",
            run: "click",
        },
        {
            content: "The warranty started",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=start_date]:visible",
        },
    ],
});
