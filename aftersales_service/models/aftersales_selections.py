"""The fault's selection lists, shared by the request, the dispatch order,
the inspection findings and the KPIs (T2: 故障性质、影响程度)."""

SEVERITIES = [("general", "General Fault"), ("major", "Major Fault")]
FAULT_NATURES = [
    ("hardware", "Hardware"),
    ("software", "Software"),
    ("network", "Network"),
    ("power", "Power Supply"),
    ("environment", "Environment"),
    ("operation", "Operation"),
    ("other", "Other"),
]
IMPACTS = [
    ("low", "Low: work goes on"),
    ("medium", "Medium: work slowed down"),
    ("high", "High: part of the work stopped"),
    ("stopped", "Stopped: the customer's work stopped"),
]
