# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Checks of the arguments of the addon's public methods, for RPC callers.

Each check runs a function of :mod:`..tools.rpc_args` and turns its refusal
into a translated :class:`~odoo.exceptions.UserError` that names the
argument and says what it takes, instead of a database error, "Expected
singleton" or a Python ``ValueError`` further down::

    args = RpcArgs(self.env)
    team_id = args.record_id("team_id", team_id)
    reason = args.text("reason", reason)
"""

from odoo import fields
from odoo.exceptions import UserError

from ..tools import feedback, rpc_args
from ..tools.rpc_args import ArgumentError


class RpcArgs:
    """The argument checks, with the messages in the language of ``env``."""

    #: Longest free text (reason, note, comment) a method takes.
    TEXT_MAX = rpc_args.TEXT_MAX

    def __init__(self, env):
        self.env = env

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    def record_id(self, name, value, required=True):
        """An ``int`` id (``False`` for none when not ``required``)."""
        return self._check(rpc_args.record_id, value, name=name, required=required)

    def date(self, name, value, not_after=None, required=False):
        """A ``date`` or ``datetime`` (``None`` for none), see
        :func:`..tools.rpc_args.date`."""
        return self._check(
            rpc_args.date, value, name=name, not_after=not_after, required=required
        )

    def past_date(self, name, value, required=False):
        """The naive UTC datetime of something that happened: not in the
        future of the server's clock, give or take a few minutes. A bare
        date is a day of the user's time zone, see
        :func:`..tools.rpc_args.past_date`."""
        return self._check(
            rpc_args.past_date,
            value,
            name=name,
            now=fields.Datetime.now(),
            required=required,
            tz=self.env.context.get("tz") or self.env.user.tz,
        )

    def text(self, name, value, max_length=rpc_args.TEXT_MAX, required=False):
        """A ``str`` of at most ``max_length`` characters (``None`` for none)."""
        return self._check(
            rpc_args.text, value, name=name, max_length=max_length, required=required
        )

    def code(self, name, value, required=True):
        """One code as a ``str``, never a list."""
        return self._check(rpc_args.code, value, name=name, required=required)

    def choice(self, name, value, choices):
        """One of ``choices``."""
        return self._check(rpc_args.choice, value, choices, name=name)

    def rating(self, name, value, required=False):
        """A quality rating, 1 to 5 (``None`` for none)."""
        try:
            return feedback.check_rating(value, required=required)
        except feedback.FeedbackError as error:
            code = "required" if error.code == "rating_required" else "rating"
            raise UserError(self.message(ArgumentError(code, name, value))) from error

    # ------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------

    def _check(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ArgumentError as error:
            raise UserError(self.message(error)) from error

    def message(self, error):
        """The translated message of an :class:`ArgumentError`."""
        _ = self.env._
        params = {
            "argument": error.argument,
            "value": rpc_args.shown(error.value),
        }
        code = error.code
        if code == "required":
            return _(
                "Argument “%(argument)s” is required: it cannot be empty.", **params
            )
        if code == "id":
            return _(
                "Argument “%(argument)s” must be the id of a record: a whole "
                "number from 1 up, not %(value)s.",
                **params,
            )
        if code in ("date_type", "date_format"):
            return _(
                "Argument “%(argument)s” must be a date, as text YYYY-MM-DD or "
                "YYYY-MM-DD HH:MM:SS, not %(value)s.",
                **params,
            )
        if code == "date_invalid":
            return _(
                "Argument “%(argument)s”: %(value)s is not a day or time of the "
                "calendar. Send an existing date as YYYY-MM-DD or "
                "YYYY-MM-DD HH:MM:SS.",
                **params,
            )
        if code == "date_after":
            limit = error.params["limit"]
            return _(
                "Argument “%(argument)s”: %(value)s is in the future. Send when "
                "it happened, at the latest %(limit)s (UTC).",
                limit=(
                    fields.Datetime.to_string(limit)
                    if hasattr(limit, "hour")
                    else fields.Date.to_string(limit)
                ),
                **params,
            )
        if code == "text_type":
            return _("Argument “%(argument)s” must be a text, not %(value)s.", **params)
        if code == "text_nul":
            return _(
                "Argument “%(argument)s” contains a NUL character, which cannot "
                "be stored: remove it.",
                **params,
            )
        if code == "text_length":
            return _(
                "Argument “%(argument)s” is %(length)s characters long: send at "
                "most %(max_length)s.",
                length=error.params["length"],
                max_length=error.params["max_length"],
                **params,
            )
        if code == "code_type":
            return _(
                "Argument “%(argument)s” must be one code as text (for example "
                "price_list_request), not %(value)s: send one call per code.",
                **params,
            )
        if code == "choice":
            return _(
                "Argument “%(argument)s” must be one of %(choices)s, not %(value)s.",
                choices=", ".join(error.params["choices"]),
                **params,
            )
        if code == "rating":
            return _(
                "Argument “%(argument)s” must be a whole number from 1 (poor) to "
                "5 (excellent), not %(value)s.",
                **params,
            )
        return _("Argument “%(argument)s” is not valid: %(value)s.", **params)
