from . import portal
from . import card
