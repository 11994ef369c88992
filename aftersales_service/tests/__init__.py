from . import test_warranty
from . import test_access
from . import test_translation
from . import test_contract
from . import test_warranty_rules
from . import test_request_clock
from . import test_dispatch
from . import test_tours
