# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """An activity done on a lead may be an engagement signal."""
        done = [
            (activity.res_id, activity.activity_type_id.id, activity.summary)
            for activity in self
            if activity.res_model == "crm.lead" and activity.activity_type_id
        ]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if done:
            self.env["crm.lead"]._pla_log_activity_signals(done)
        return result
