# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import crm_team
from . import res_company
from . import res_config_settings
from . import pharmacy_lead_event
from . import pharmacy_lead_domain_mixin
from . import pharmacy_scoring_rule
from . import pharmacy_lead_engagement
from . import mail_activity
from . import pharmacy_nurture_track
from . import pharmacy_lead_consent
from . import pharmacy_sla_policy
from . import pharmacy_lead_sla
from . import pharmacy_feedback_reason
from . import pharmacy_lead_feedback
from . import crm_lead
