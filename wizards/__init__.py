from . import membership_join_wizard
from . import membership_tariff_simulation
from . import membership_tariff_simulation_line
from . import membership_renewal_refuse_wizard
