from . import aftersales_warranty_acceptance
from . import aftersales_extension_reversal
