# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_lifecycle
from . import test_gate
from . import test_security
from . import test_scoring
from . import test_nurture
from . import test_sla
from . import test_cron_concurrency
from . import test_feedback
from . import test_leadership
from . import test_tours
from . import test_merge
from . import test_rpc_args
from . import test_access_matrix
from . import test_confidentiality
from . import test_activities
from . import test_write_paths
