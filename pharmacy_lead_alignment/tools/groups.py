# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The security groups the Python code checks, by xmlid, named once.

The groups themselves are defined in ``security/pharmacy_lead_alignment_groups.xml``
(sales' groups in Odoo's ``sales_team``); XML files (record rules, views,
menus) name them again, as XML cannot import these constants.

>>> GROUP_DESK.split(".")
['pharmacy_lead_alignment', 'group_alignment_desk']
"""

#: The marketing lead desk: sees and works the leads before their hand-off.
GROUP_DESK = "pharmacy_lead_alignment.group_alignment_desk"
#: Alignment Managers (the head of the pharmacy): settings, overrides, ROI.
GROUP_MANAGER = "pharmacy_lead_alignment.group_alignment_manager"
#: Sales: what every salesperson may read and do.
GROUP_SALESMAN = "sales_team.group_sale_salesman"
#: Sales managers: may decide on any handed-off lead.
GROUP_SALES_MANAGER = "sales_team.group_sale_manager"
