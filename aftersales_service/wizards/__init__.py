from . import aftersales_warranty_acceptance
from . import aftersales_extension_reversal
from . import aftersales_request_resolution
from . import aftersales_fact_correction
