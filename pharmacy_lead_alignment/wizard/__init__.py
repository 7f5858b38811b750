# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import pharmacy_lead_wizard_mixin
from . import crm_lead_handoff
from . import crm_lead_review
from . import crm_lead_flag
from . import crm_lead_qualify
from . import pharmacy_rule_effectiveness
from . import pharmacy_scoring_settings
