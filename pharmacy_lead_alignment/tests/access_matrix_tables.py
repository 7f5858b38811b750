# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one table the access matrix is generated from: for every model this
module adds, each role and operation, and for every public method of the
lead, who may do it (see ``test_access_matrix``)."""

ROLES = ("portal", "sales", "sales_other", "desk", "manager", "manager_other")
OPS = ("read", "search", "read_group", "create", "write", "unlink")

NOBODY = frozenset()
INTERNAL = frozenset({"sales", "sales_other", "desk", "manager"})
DESK = frozenset({"desk", "manager"})
MANAGER = frozenset({"manager"})
#: a record shared by both pharmacies: the other pharmacy's manager reads it
SHARED = INTERNAL | {"manager_other"}


def _rows(read=INTERNAL, create=NOBODY, write=NOBODY, unlink=NOBODY):
    return {
        "read": read,
        "search": read,
        "read_group": read,
        "create": create,
        "write": write,
        "unlink": unlink,
    }


def _kept_by(roles, read=INTERNAL):
    """Rows of a model that ``roles`` create, write and unlink."""
    return _rows(read=read, create=roles, write=roles, unlink=roles)


#: model (or model/variant) -> op -> roles that succeed. Audit and legal
#: records (events, reviews, consents) and what the flow computes (engagement,
#: clocks, step runs, applied suggestions, acknowledgements) are never
#: written by anybody; consents are recorded by whoever may write the lead.
MODEL_MATRIX = {
    "pharmacy.lead.event": _rows(),
    "pharmacy.lead.engagement": _rows(),
    "pharmacy.lead.sla": _rows(),
    "pharmacy.nurture.step.run": _rows(),
    "pharmacy.lead.feedback": _rows(),
    "pharmacy.lead.consent": _rows(create=frozenset({"sales", "desk", "manager"})),
    "pharmacy.scoring.rule": _kept_by(MANAGER),
    "pharmacy.scoring.rule/shared": _kept_by(MANAGER, read=SHARED),
    "pharmacy.feedback.reason": _kept_by(MANAGER),
    "pharmacy.feedback.reason/shared": _kept_by(MANAGER, read=SHARED),
    "pharmacy.nurture.track": _kept_by(DESK),
    "pharmacy.nurture.step": _kept_by(DESK),
    "pharmacy.sla.policy": _kept_by(MANAGER),
    "pharmacy.scoring.rule.revision": _rows(),
    "pharmacy.process.map": _kept_by(MANAGER),
    "pharmacy.process.step": _kept_by(MANAGER),
    "pharmacy.process.map.ack": _rows(),
    "pharmacy.marketing.cost": _kept_by(MANAGER, read=MANAGER),
    # a background action of the desk: who asked reads it, and the head; only
    # the lead methods queue one, and nobody rewrites or deletes it
    "pharmacy.lead.mass.action": _rows(read=DESK),
    # SQL reports: read only
    "pharmacy.sla.report": _rows(),
    "pharmacy.funnel.report": _rows(read=DESK),
    "pharmacy.velocity.report": _rows(read=DESK),
    "pharmacy.roi.report": _rows(read=MANAGER),
    # wizards: who may open them (their buttons check the lead again)
    "crm.lead.handoff": {"create": DESK},
    "crm.lead.review": {"create": frozenset({"sales", "desk", "manager"})},
    "crm.lead.flag": {"create": DESK},
    "crm.lead.qualify": {"create": MANAGER},
    "pharmacy.rule.effectiveness": {"create": DESK | {"manager_other"}},
    "pharmacy.scoring.settings": {"create": MANAGER | {"manager_other"}},
    # the lead itself: still with the desk, and handed off to B2B Clinics
    # (the salesperson of another team is an own-documents salesman)
    "crm.lead/desk": _rows(
        read=DESK, create=INTERNAL | {"manager_other"}, write=DESK, unlink=NOBODY
    ),
    "crm.lead/handed_off": _rows(
        read=frozenset({"sales", "desk", "manager"}),
        create=INTERNAL | {"manager_other"},
        write=frozenset({"sales", "desk", "manager"}),
        unlink=NOBODY,
    ),
}

#: Only the receiving sales team decides on a handed-off lead (B2B Clinics,
#: where ``sales`` works); the desk that handed it off never does.
RECEIVER = frozenset({"sales"})

#: public method or decision -> (lead fixture, roles allowed)
METHOD_MATRIX = {
    "action_qualify": ("inquiry", DESK),
    "action_open_qualify": ("inquiry", MANAGER),
    "action_disqualify": ("inquiry", DESK),
    "action_reopen": ("disqualified", DESK),
    "handoff_to": ("mql", DESK),
    "action_open_handoff": ("mql", DESK),
    "action_handoff_suggested": ("mql", DESK),
    "action_log_engagement": ("inquiry", DESK),
    "action_nurture_enrol": ("nurtured", DESK),
    "action_nurture_pause": ("nurtured", DESK),
    "action_nurture_resume": ("paused", DESK),
    "action_nurture_remove": ("nurtured", DESK),
    "action_accept": ("handed_off", RECEIVER),
    "action_review_accept": ("handed_off", RECEIVER),
    "action_review_reject": ("handed_off", RECEIVER),
    "action_recycle": ("handed_off", RECEIVER),
    "action_open_review": ("handed_off", RECEIVER),
    "action_open_flag": ("accepted", DESK),
    "action_flag_mishandled": ("accepted", DESK),
    # decisions by plain write / Odoo's own buttons, as an attacker sends them
    "write:accept": ("handed_off", RECEIVER),
    "write:opportunity": ("handed_off", RECEIVER),
    "write:grab": ("handed_off", RECEIVER),
    "write:other_team": ("handed_off", RECEIVER),
    "convert_opportunity": ("handed_off", RECEIVER),
    "action_set_lost": ("handed_off", RECEIVER),
    "write:lead_score": ("accepted", NOBODY),
    "write:lead_origin": ("accepted", NOBODY),
    "write:recycle_count": ("accepted", NOBODY),
    "write:sla_state": ("accepted", NOBODY),
    "write:nurture_state": ("accepted", NOBODY),
    "write:score_rule_ids": ("accepted", NOBODY),
}

#: menus follow the rights (see ``test_menus``): menu xmlid -> roles that see
#: it (of the roles that work in the CRM). The desk configures its nurture
#: tracks and reads the scoring rules, SLA policies and feedback reasons
#: under CRM's Configuration, which stock CRM keeps for sales managers; CRM's
#: own entries there stay theirs.
MENU_ROLES = ("sales", "desk", "manager")
SALES = frozenset({"sales", "desk", "manager"})
MENU_MATRIX = {
    "crm.crm_menu_config": DESK,
    "pharmacy_lead_alignment.pharmacy_scoring_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_nurture_track_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_scoring_rule_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_sla_policy_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_feedback_reason_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_rule_effectiveness_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_scoring_rule_revision_menu": DESK,
    "pharmacy_lead_alignment.crm_team_menu_routing": DESK,
    "pharmacy_lead_alignment.pharmacy_scoring_settings_menu": MANAGER,
    "crm.crm_team_config": MANAGER,
    "crm.crm_team_menu_config_activities": MANAGER,
    "pharmacy_lead_alignment.crm_lead_menu_desk": DESK,
    "pharmacy_lead_alignment.crm_lead_menu_incoming": SALES,
    "pharmacy_lead_alignment.pharmacy_lead_mass_action_menu": SALES,
    "pharmacy_lead_alignment.pharmacy_alignment_dashboard_menu": DESK,
    "pharmacy_lead_alignment.pharmacy_roi_report_menu": MANAGER,
    "pharmacy_lead_alignment.pharmacy_process_map_menu": SALES,
}
