from . import report_fault_analysis_xlsx
