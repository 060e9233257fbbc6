from . import test_plan
from . import test_join
from . import test_subscription
from . import test_accounting
from . import test_partner_status
from . import test_cron
from . import test_security
from . import test_tour
