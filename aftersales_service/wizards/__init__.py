from . import aftersales_warranty_acceptance
