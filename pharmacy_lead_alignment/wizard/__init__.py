# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import crm_lead_handoff
from . import pharmacy_scoring_settings
