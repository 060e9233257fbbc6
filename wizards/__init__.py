from . import membership_join_wizard
