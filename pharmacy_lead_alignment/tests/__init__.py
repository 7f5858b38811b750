# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_lifecycle
from . import test_gate
from . import test_security
from . import test_scoring
from . import test_nurture
from . import test_sla
from . import test_feedback
from . import test_leadership
from . import test_tours
