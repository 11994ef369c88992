/** @odoo-module **/
import {registry} from "@web/core/registry";

// Warehouse: reserve the spares an engineer asked for, then issue the loaner
// a customer is owed.
registry.category("web_tour.tours").add("aftersales_warehouse_spares_loaner", {
    steps: () => [
        {
            content: "The spare request waits for the warehouse",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Requested)",
        },
        {
            trigger: ".o_form_view button[name=action_reserve]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Reserved)",
        },
        {
            content: "Now the loaners that are due",
            trigger: ".o_main_navbar .o_menu_sections button:contains(Loaners And Spares), .o_main_navbar .o_menu_sections a:contains(Loaners And Spares)",
            run: "click",
        },
        {
            trigger: ".dropdown-menu .dropdown-item:contains(Loaners)",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row td:contains(Repair estimated over 12 h)",
            run: "click",
        },
        {
            content: "Pick a loaner of no lower grade",
            trigger: ".o_field_widget[name=loaner_lot_id] input",
            run: "edit TOUR-LOAN",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(TOUR-LOAN-01)",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_issue]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Issued)",
        },
        {
            trigger: ".o_field_widget[name=issue_picking_id] a",
        },
    ],
});

// Trainer: log a session with its trainees and mark it given.
registry.category("web_tour.tours").add("aftersales_trainer_session", {
    steps: () => [
        {
            trigger: ".o_list_view, .o_calendar_view",
        },
        {
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new, .o_control_panel_main_buttons button.o_list_button_add, .o_control_panel_main_buttons button:contains(New)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Daily maintenance of the cabinets",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Metro",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Metro)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=date_start] input",
            run: "edit 03/01/2030 09:00:00",
        },
        {
            trigger: ".o_field_widget[name=date_end] input",
            run: "edit 03/01/2030 11:30:00",
        },
        {
            trigger: ".o_field_widget[name=attendee_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=attendee_ids] .o_data_row [name=partner_id] input",
            run: "edit Tour Trainee",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Trainee)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_done]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
    ],
});

// Account manager: from the renewal activity to the renewal and its quotation.
registry.category("web_tour.tours").add("aftersales_account_manager_renewal", {
    steps: () => [
        {
            content: "The renewal notice left an activity",
            trigger: ".o_menu_systray .o-mail-ActivityMenu-counter",
        },
        {
            trigger: ".o_menu_systray i[aria-label='Activities']",
            run: "click",
        },
        {
            trigger: ".o-mail-ActivityMenu .o-mail-ActivityGroup:contains(Service Contract)",
            run: "click",
        },
        {
            trigger: ".o_data_row td.o_data_cell:contains(杭州地铁), .o_kanban_record:contains(杭州地铁)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id]",
        },
        {
            trigger: ".o_form_view button[name=action_renew]",
            run: "click",
        },
        {
            content: "The renewal opens, waiting for its quotation to be confirmed",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Draft)",
        },
    ],
});
