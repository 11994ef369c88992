/** @odoo-module **/
import {registry} from "@web/core/registry";

// The back office's daily path, in Chinese: the phone rings, the caller
// gives the unit's serial number, the fault is typed in, and an engineer is
// dispatched and the customer told. At most six clicks; typing into the
// field that has the focus costs none, typing anywhere else costs the click
// that puts the cursor there.
const MAX_CLICKS = 6;

function dailyPath(serial, fault) {
    const clicks = [];
    const click = (trigger, content) => {
        clicks.push(trigger);
        return {trigger, content, run: "click"};
    };
    const typeInto = (trigger, text, content) => {
        clicks.push(trigger);
        return {trigger, content, run: `edit ${text}`};
    };
    const steps = [
        click(".o_control_panel .o_list_button_add, .o_control_panel .o-kanban-button-new", "The phone rings: a new request"),
        {
            content: "The cursor waits in the unit's field: type the serial number",
            trigger: ".o_field_widget[name=lot_id] input:focus",
            run: `edit ${serial}`,
        },
        click(`.o-autocomplete--dropdown-item:contains(${serial})`),
        {
            content: "The unit brings its customer",
            trigger: ".o_field_widget[name=partner_id] input:not(:value(''))",
        },
        {
            ...click(".o_field_widget[name=description] .odoo-editor-editable", "What the caller reports"),
            run: `editor ${fault}`,
        },
        click("button[name=action_plan_service]", "It needs an engineer on site"),
        {
            content: "The engineer is proposed",
            trigger: ".modal .o_field_widget[name=engineer_ids] .o_tag",
        },
        {
            content: "The arrival is proposed",
            trigger: ".modal .o_field_widget[name=expected_arrival] .o_input[value]:not([value=''])",
        },
        click(".modal button[name=action_plan_and_dispatch]", "Dispatch; the customer is told"),
        {
            content: "Back on the request, with its dispatch order",
            trigger: "body:not(:has(.modal)) .o_form_view .oe_stat_button [name=dispatch_count]",
        },
    ];
    return [
        ...steps,
        {
            content: `At most ${MAX_CLICKS} clicks`,
            trigger: ".o_form_view",
            run() {
                if (clicks.length > MAX_CLICKS) {
                    throw new Error(
                        `The daily path takes ${clicks.length} clicks, more than ${MAX_CLICKS}.`
                    );
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("aftersales_daily_path", {
    steps: () => dailyPath("MW5-2026-0001", "泵站监控工作站黑屏，无法启动"),
});
