# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import pharmacy_report_ratio_mixin
from . import pharmacy_funnel_report
from . import pharmacy_sla_report
