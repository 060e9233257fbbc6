from . import membership_plan
from . import membership_subscription
from . import res_partner
from . import account_move
from . import account_move_line
