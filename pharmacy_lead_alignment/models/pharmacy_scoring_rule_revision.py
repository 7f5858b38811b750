# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.groups import GROUP_MANAGER


class PharmacyScoringRuleRevision(models.Model):
    """A suggested weight applied to a fit rule: who, when, from what figures,
    and whether it was reverted."""

    _name = "pharmacy.scoring.rule.revision"
    _description = "Applied Scoring Suggestion"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    rule_id = fields.Many2one(
        "pharmacy.scoring.rule",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    old_points = fields.Integer(required=True, readonly=True, aggregator=False)
    new_points = fields.Integer(required=True, readonly=True, aggregator=False)
    lift = fields.Float(readonly=True, digits=(16, 2), aggregator=False)
    matched = fields.Integer(string="Leads Matched", readonly=True, aggregator=False)
    date_from = fields.Date(string="Period From", readonly=True)
    date_to = fields.Date(string="Period To", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Applied By", readonly=True, required=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    state = fields.Selection(
        [("applied", "Applied"), ("reverted", "Reverted")],
        default="applied",
        required=True,
        readonly=True,
    )
    reverted_by_id = fields.Many2one("res.users", readonly=True)
    reverted_date = fields.Datetime(string="Reverted On", readonly=True)

    def action_revert(self):
        """Alignment Manager: give the rules back their points from before."""
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only an Alignment Manager can revert applied points.")
            )
        for revision in self:
            if revision.state != "applied":
                raise UserError(
                    self.env._(
                        "The change of “%(rule)s” from %(old)s to %(new)s points "
                        "is already reverted.",
                        rule=revision.rule_id.name,
                        old=revision.old_points,
                        new=revision.new_points,
                    )
                )
            if revision.rule_id.points != revision.new_points:
                raise UserError(
                    self.env._(
                        "“%(rule)s” has %(points)s points now, not the %(new)s "
                        "this suggestion set: it changed since. Edit the rule "
                        "instead.",
                        rule=revision.rule_id.name,
                        points=revision.rule_id.points,
                        new=revision.new_points,
                    )
                )
        self.sudo().write(
            {
                "state": "reverted",
                "reverted_by_id": self.env.uid,
                "reverted_date": fields.Datetime.now(),
            }
        )
        self.env["pharmacy.scoring.rule"]._set_points(
            {revision.rule_id: revision.old_points for revision in self}
        )
        return True
