# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain Python logic of the addon: no ``odoo`` import allowed in this package."""
