from . import membership_join_wizard
from . import membership_tariff_simulation
from . import membership_tariff_simulation_line
from . import membership_renewal_refuse_wizard
from . import membership_followup_wizard
from . import membership_followup_wizard_line
from . import membership_certificate_wizard
from . import membership_join_wizard_figure
