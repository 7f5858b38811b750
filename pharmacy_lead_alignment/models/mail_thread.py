# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _message_route_process(self, message, message_dict, routes):
        """An e-mail really received by the mail gateway is an engagement
        signal of the leads it reaches. Logged here, after routing, and not
        in ``message_new`` / ``message_update``: those are public methods that
        anyone could call over RPC to fake an inbound e-mail."""
        thread_id = super()._message_route_process(message, message_dict, routes)
        lead_ids = set()
        for index, (model, route_thread_id, *_rest) in enumerate(routes or ()):
            if model != "crm.lead":
                continue
            if route_thread_id:
                lead_ids.add(route_thread_id)
            elif index == len(routes) - 1 and thread_id:
                lead_ids.add(thread_id)  # the lead this e-mail just created
        if lead_ids:
            self.env["crm.lead"].browse(
                sorted(lead_ids)
            ).exists()._pla_log_inbound_email(message_dict.get("subject"))
        return thread_id
