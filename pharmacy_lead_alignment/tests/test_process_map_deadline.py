# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import tagged

from .test_leadership import PharmacyLeadershipCommon

READ_MAP = "pharmacy_lead_alignment.mail_activity_type_read_process_map"
#: a Friday, noon UTC: far from midnight in any time zone the users have
PUBLISHED = "2026-03-06 12:00:00"


@tagged("post_install", "-at_install", "pla_leadership")
class TestProcessMapDeadline(PharmacyLeadershipCommon):
    """Readers of a new map get the reminder type's delay to read it: the
    reminder is not overdue the day after it was published."""

    def _my_reminder(self, user, pmap):
        return (
            self.env["mail.activity"]
            .with_user(user)
            .search(
                [
                    ("res_model", "=", pmap._name),
                    ("res_id", "=", pmap.id),
                    ("user_id", "=", user.id),
                    ("activity_type_id", "=", self.env.ref(READ_MAP).id),
                ]
            )
        )

    def test_readers_have_the_type_delay(self):
        read_map = self.env.ref(READ_MAP)
        self.assertTrue(read_map.delay_count, "the reminder type gives time")
        due = date(2026, 3, 6) + relativedelta(
            **{read_map.delay_unit: read_map.delay_count}
        )
        pmap = self._map()
        with freeze_time(PUBLISHED):
            pmap.action_publish()
        reminders = pmap.sudo().activity_ids
        self.assertEqual(len(reminders), 5)
        self.assertEqual(set(reminders.mapped("date_deadline")), {due})

        with freeze_time("2026-03-07 12:00:00"):
            reminder = self._my_reminder(self.user_sales, pmap)
            self.assertEqual(len(reminder), 1)
            reminder.invalidate_recordset(["state"])
            self.assertEqual(reminder.state, "planned", "not overdue the next day")
        with freeze_time(due + relativedelta(days=1)):
            reminder.invalidate_recordset(["state"])
            self.assertEqual(reminder.state, "overdue")

        # reading the map closes the reminder before its deadline
        with freeze_time("2026-03-07 12:00:00"):
            pmap.with_user(self.user_sales).action_acknowledge()
        self.assertFalse(self._my_reminder(self.user_sales, pmap))
