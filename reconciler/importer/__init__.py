"""``reconciler import``: bootstrap manifests from live Metronome state, so that the next plan is empty.

The recipe, one module per step:

* :mod:`.read` fetches the catalog and the selected customers with everything the planner reads about them
  (contracts, billing provider configurations, seats from the plan's effective time on);
* :mod:`.names` chooses identities: customer keys, contract names and pins, item keys, catalog references;
* :mod:`.convert` turns those read shapes into manifest documents (pure: no I/O), with comments, and lists
  every live field the manifest format cannot express (:class:`~.fields.Skipped`);
* :mod:`.write` renders deterministic, commented YAML and writes each customer's file atomically after
  validating it.
"""

from reconciler.importer.convert import CustomerFile, Document, convert_customers
from reconciler.importer.fields import Skipped

__all__ = ["CustomerFile", "Document", "Skipped", "convert_customers"]
