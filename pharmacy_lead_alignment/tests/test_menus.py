# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Menus follow the rights.

A menu grants nothing (the access matrix proves the rights, whatever the
path); these tests prove that each role sees the menus of its work
(``MENU_MATRIX``) and that no CRM menu a role sees opens a model it may not
read.
"""

from odoo.tests import tagged

from .access_matrix_tables import MENU_MATRIX, MENU_ROLES
from .common import PharmacyLeadCommon


@tagged("post_install", "-at_install", "pla_security", "pla_access_matrix")
class TestMenus(PharmacyLeadCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            "sales": cls.user_sales,
            "desk": cls.user_desk,
            "manager": cls.user_manager,
        }

    def _visible(self, user):
        """The menus ``user`` reaches: visible, and so are all their parents
        (as the web client builds the menu tree)."""
        Menu = self.env["ir.ui.menu"]
        visible = Menu.with_user(user)._visible_menu_ids()
        return Menu.browse(visible).filtered(
            lambda menu: all(
                int(menu_id) in visible for menu_id in menu.parent_path.split("/")[:-1]
            )
        )

    def test_menu_matrix(self):
        for role in MENU_ROLES:
            visible = self._visible(self.users[role])
            for xmlid, roles in MENU_MATRIX.items():
                with self.subTest(role=role, menu=xmlid):
                    self.assertEqual(
                        self.env.ref(xmlid) in visible,
                        role in roles,
                        f"{role} should {'' if role in roles else 'not '}see {xmlid}",
                    )

    def test_the_desk_configures_its_nurture_tracks(self):
        """The desk finds Configuration › Lead Scoring › Nurture Tracks and
        Scoring Rules, and nothing else of CRM's configuration."""
        visible = self._visible(self.user_desk)
        config = self.env.ref("crm.crm_menu_config")
        under_config = visible.filtered(
            lambda menu: (
                menu.parent_path.startswith(config.parent_path) and menu != config
            )
        )
        scoring = self.env.ref("pharmacy_lead_alignment.pharmacy_scoring_menu")
        self.assertEqual(under_config.parent_id, config | scoring)
        self.assertIn(
            self.env.ref("pharmacy_lead_alignment.pharmacy_nurture_track_menu"),
            under_config,
        )
        self.assertIn(
            self.env.ref("pharmacy_lead_alignment.pharmacy_scoring_rule_menu"),
            under_config,
        )
        # what its menus open, it may do: edit tracks, read rules
        Track = self.env["pharmacy.nurture.track"].with_user(self.user_desk)
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_desk)
        self.assertTrue(Track.has_access("write"))
        self.assertTrue(Rule.has_access("read"))
        self.assertFalse(Rule.has_access("write"))

    def test_no_menu_opens_a_model_its_user_cannot_read(self):
        root = self.env.ref("crm.crm_menu_root")
        for role in MENU_ROLES:
            user = self.users[role]
            for menu in self._visible(user):
                action = menu.action
                if not menu.parent_path.startswith(root.parent_path) or not (
                    action and action._name == "ir.actions.act_window"
                ):
                    continue
                with self.subTest(role=role, menu=menu.complete_name):
                    self.assertTrue(
                        self.env[action.res_model].with_user(user).has_access("read"),
                        f"{role} sees {menu.complete_name} but cannot read "
                        f"{action.res_model}",
                    )
