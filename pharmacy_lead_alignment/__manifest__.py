# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Pharmacy Lead Alignment",
    "summary": "Marketing and sales as one machine for pharmacies: a lead desk "
    "scores, nurtures and qualifies every lead, hands it off under a two-sided SLA, "
    "sales feedback tunes the scoring, the head sees funnel, SLA and ROI",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/pharmacy-lead-alignment/pharmacy_lead_alignment",
    "author": "Pharmacy Lead Alignment contributors",
    "license": "LGPL-3",
    "depends": ["crm", "mail", "resource", "utm", "digest"],
    "data": [
        "security/pharmacy_lead_alignment_groups.xml",
        "security/ir.model.access.csv",
        "security/pharmacy_lead_alignment_security.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "data/pharmacy_scoring_rule_data.xml",
        "data/pharmacy_nurture_track_data.xml",
        "data/pharmacy_feedback_reason_data.xml",
        "data/pharmacy_feedback_data.xml",
        "data/pharmacy_leadership_data.xml",
        "views/crm_lead_views.xml",
        "views/pharmacy_scoring_rule_views.xml",
        "views/pharmacy_nurture_track_views.xml",
        "views/pharmacy_sla_policy_views.xml",
        "report/pharmacy_sla_report_views.xml",
        "wizard/pharmacy_scoring_settings_views.xml",
        "wizard/crm_lead_review_views.xml",
        "views/pharmacy_lead_feedback_views.xml",
        "views/pharmacy_process_map_views.xml",
        "views/utm_views.xml",
        "views/digest_views.xml",
        "report/pharmacy_funnel_report_views.xml",
        "views/crm_team_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/crm_lead_handoff_views.xml",
        "views/pharmacy_lead_alignment_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "pharmacy_lead_alignment/static/src/dashboard/**/*",
        ],
        "web.assets_tests": [
            "pharmacy_lead_alignment/static/tests/tours/**/*",
        ],
    },
    "demo": [
        "data/pharmacy_lead_alignment_demo.xml",
    ],
    "installable": True,
    "application": False,
}
