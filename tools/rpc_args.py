"""Checks of the arguments of the public methods callable over RPC.

Odoo's RPC lets any user with access call a public method (one not starting
with ``_``) with any JSON or XML-RPC value as argument: an integer where
text is expected, 10**9 days, a list... These helpers refuse what the method
cannot use with a UserError naming the argument, the value received and
what is allowed, before anything is written.
"""

from odoo.exceptions import UserError
from odoo.models import BaseModel


def _shown(value):
    """The value as the message shows it (short)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(env, name, value, minimum, maximum):
    """``value`` as an int from ``minimum`` to ``maximum`` (a whole number:
    not a boolean, not text, not a float)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise UserError(
            env._(
                "Argument %(argument)s: %(value)s is not allowed; give a whole number from %(minimum)s to %(maximum)s.",
                argument=name,
                value=_shown(value),
                minimum=minimum,
                maximum=maximum,
            )
        )
    return value


def check_text(env, name, value, max_length, required=False):
    """``value`` as text of at most ``max_length`` characters, stripped
    (``None``/``False`` give "" unless ``required``)."""
    if value is None or value is False:
        value = ""
    if not isinstance(value, str) or len(value) > max_length:
        raise UserError(
            env._(
                "Argument %(argument)s: %(value)s is not allowed; give a text of at most %(max)s characters.",
                argument=name,
                value=_shown(value),
                max=max_length,
            )
        )
    value = value.strip()
    if required and not value:
        raise UserError(env._("Argument %(argument)s: a text is required, it cannot be empty.", argument=name))
    return value


def check_record(env, name, value, model):
    """``value`` (a record of ``model`` or the id of an existing one) as a
    single existing record."""
    Model = env[model]
    if isinstance(value, BaseModel) and value._name == model and len(value) == 1:
        record = value
    elif isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        record = Model.browse(value)
    else:
        record = Model
    if not record or not record.exists():
        raise UserError(
            env._(
                "Argument %(argument)s: %(value)s is not allowed; give the id of an existing %(model)s.",
                argument=name,
                value=_shown(value.ids if isinstance(value, BaseModel) else value),
                model=Model._description,
            )
        )
    return record
