from odoo import api, models


class ReportFaultAnalysisXlsx(models.AbstractModel):
    """The quarterly fault analysis as a workbook (report_xlsx): one sheet
    per analysis, with the same figures as the PDF."""

    _name = "report.aftersales_service.fault_analysis_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Quarterly Fault Analysis (xlsx)"

    # Called by report_xlsx with a workbook, which no RPC client can send.
    @api.private
    def generate_xlsx_report(self, workbook, data, analyses):
        bold = workbook.add_format({"bold": True})
        hours = workbook.add_format({"num_format": "0.00"})
        for analysis in analyses:
            # The customer's language, as in the PDF.
            analysis = analysis.with_context(lang=analysis.partner_id.lang)
            _ = analysis.env._
            stats = analysis._statistics()
            labels = analysis._measure_labels()
            sheet = workbook.add_worksheet(
                f"{analysis.year} Q{analysis.quarter} {analysis.partner_id.id}"[:31]
            )
            sheet.set_column(0, 0, 40)
            sheet.set_column(1, 3, 16)
            row = 0
            sheet.write(row, 0, _("Quarterly Fault Analysis"), bold)
            sheet.write(row, 1, analysis.display_name)
            row += 2
            sheet.write(row, 0, _("Requests"), bold)
            sheet.write(row, 1, stats["requests"])
            row += 2
            sheet.write_row(
                row, 0, [_("Fault Category"), _("Severity"), _("Requests")], bold
            )
            for (category, severity), count in stats["by_category"]:
                row += 1
                sheet.write_row(row, 0, [category, severity, count])
            row += 2
            sheet.write_row(row, 0, [_("Severity"), _("Requests")], bold)
            for severity, count in stats["by_severity"].items():
                row += 1
                sheet.write_row(row, 0, [severity, count])
            row += 2
            sheet.write_row(row, 0, [_("Time"), _("Mean"), _("90th Percentile")], bold)
            for name, (average, p90) in stats["durations"].items():
                row += 1
                sheet.write(row, 0, labels[name])
                for column, value in ((1, average), (2, p90)):
                    if value is not None:
                        sheet.write_number(row, column, value, hours)
            row += 2
            sheet.write_row(row, 0, [_("Response Times Met"), _("Rate (%)")], bold)
            row = self._write_rates(sheet, row, stats["sla"], labels, hours)
            row += 2
            for label, value in (
                (_("MTTR (h)"), stats["mttr"]),
                (_("First-Time Fix (%)"), stats["first_time_fix"]),
                (_("Satisfied (%)"), stats["satisfaction"]),
                (_("Repeat Faults"), stats["repeat_faults"]),
                (_("Loaners Issued"), stats["loaners"]),
                (
                    _("Failures Within Guaranteed Service Life"),
                    stats["service_life_failures"],
                ),
            ):
                sheet.write(row, 0, label, bold)
                if value is not None:
                    sheet.write_number(row, 1, value, hours)
                row += 1
            row += 1
            sheet.write(row, 0, _("Complaints"), bold)
            sheet.write_number(row, 1, stats["complaints"])
            row = self._write_rates(sheet, row, stats["complaint_rates"], labels, hours)
            row += 2
            survey = stats["survey"]
            sheet.write(row, 0, _("Satisfaction Survey"), bold)
            if survey:
                sheet.write(row, 1, survey["period"])
                for label, score in survey["scores"]:
                    row += 1
                    sheet.write(row, 0, label)
                    if score:
                        sheet.write_number(row, 1, score, hours)
                if survey["comment"]:
                    row += 1
                    sheet.write(row, 0, survey["comment"])
            else:
                sheet.write(row, 1, _("Not answered"))
            row += 2
            if stats["availability"]:
                sheet.write_row(
                    row,
                    0,
                    [
                        _("Equipment Availability"),
                        _("Unit"),
                        _("Downtime (h)"),
                        _("Availability (%)"),
                        _("Target (%)"),
                    ],
                    bold,
                )
                for line in stats["availability"]:
                    row += 1
                    sheet.write(row, 0, line["contract"])
                    sheet.write(row, 1, line["unit"])
                    sheet.write_number(row, 2, line["downtime_hours"], hours)
                    sheet.write_number(row, 3, line["availability"], hours)
                    if line["target"]:
                        sheet.write_number(row, 4, line["target"], hours)
                row += 2
            sheet.write(row, 0, _("Recommendations"), bold)
            sheet.write(
                row + 1,
                0,
                analysis.recommendations and analysis.recommendations.striptags() or "",
            )

    def _write_rates(self, sheet, row, rates, labels, number):
        """One row per rate below ``row``, its label then its value (empty
        where nothing was measured); returns the last row written."""
        for name, rate in rates.items():
            row += 1
            sheet.write(row, 0, labels[name])
            if rate is not None:
                sheet.write_number(row, 1, rate, number)
        return row
