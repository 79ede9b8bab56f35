"""Two confirmed demand bundles in the demo data, as a coordinator would have confirmed them.

The bundles are the engine's proposals at the default threshold whose label contains a given
word, so the demo follows the engine instead of hard-coding question titles.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from circular_platform.accounts.services import user_by_email
from circular_platform.demand import services
from circular_platform.demand.figures import Scope
from circular_platform.models import BundleStatus

# (a word of the proposal's label, the bundle's name, its status)
DEMO_BUNDLES = (
    ("isolatie", "Renovatie huurwoningen: biobased isolatie en circulaire kozijnen", BundleStatus.EXPLORING),
    ("asfalt", "Circulair asfalt bij groot onderhoud", BundleStatus.JOINT_TENDER),
)


def confirm_demo_bundles(session: Session, coordinator_email: str) -> int:
    """Confirm the demo bundles that the engine proposes; returns how many were confirmed."""
    coordinator = user_by_email(session, coordinator_email)
    confirmed = 0
    for word, label, status in DEMO_BUNDLES:
        proposals = services.proposals(
            services.unbundled(session, Scope()).compared, services.DEFAULT_THRESHOLD
        )
        proposal = next((p for p in proposals if word in p.label.lower()), None)
        if proposal is None or coordinator is None:
            continue
        ids = [q.id for q in proposal.questions]
        bundle = services.confirm_bundle(session, coordinator, ids, label, Scope())
        bundle.status = status
        confirmed += 1
    session.flush()
    return confirmed
