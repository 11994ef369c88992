from . import aftersales_warranty_acceptance
from . import aftersales_extension_reversal
from . import aftersales_remote_solution
from . import aftersales_service_plan
from . import aftersales_fact_correction
from . import aftersales_unrepairable_finding
from . import aftersales_availability
from . import aftersales_availability_line
