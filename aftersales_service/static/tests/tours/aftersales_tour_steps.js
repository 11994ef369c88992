/** @odoo-module **/

// Steps the tours share.

// The engineer ticks the four preset items of the service conduct (Q5) on an
// open dispatch order's form, and waits until none is left unticked.
export function tickServiceConduct() {
    return [
        {
            content: "The service conduct: tick each item",
            trigger: ".o_notebook .nav-link[name=conduct]",
            run: "click",
        },
        ...[0, 1, 2, 3].map((index) => ({
            trigger: `.o_field_widget[name=conduct_ids] .o_data_row:eq(${index}) .o_field_boolean_toggle input:not(:checked)`,
            run: "click",
        })),
        {
            trigger: ".o_field_widget[name=conduct_ids]:not(:has(.o_data_row .o_field_boolean_toggle input:not(:checked)))",
        },
    ];
}
