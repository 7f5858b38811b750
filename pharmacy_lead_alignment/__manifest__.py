# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Pharmacy Lead Alignment",
    "summary": "One marketing lead desk qualifies every lead before sales: "
    "lifecycle, gate, hand-off and event log for pharmacies on Odoo CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/pharmacy-lead-alignment/pharmacy_lead_alignment",
    "author": "Pharmacy Lead Alignment contributors",
    "license": "LGPL-3",
    "depends": ["crm", "mail"],
    "data": [
        "security/pharmacy_lead_alignment_groups.xml",
        "security/ir.model.access.csv",
        "security/pharmacy_lead_alignment_security.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "data/pharmacy_scoring_rule_data.xml",
        "data/pharmacy_nurture_track_data.xml",
        "views/crm_lead_views.xml",
        "views/pharmacy_scoring_rule_views.xml",
        "views/pharmacy_nurture_track_views.xml",
        "wizard/pharmacy_scoring_settings_views.xml",
        "views/crm_team_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/crm_lead_handoff_views.xml",
        "views/pharmacy_lead_alignment_menus.xml",
    ],
    "demo": [
        "data/pharmacy_lead_alignment_demo.xml",
    ],
    "installable": True,
    "application": False,
}
