"""All models, importable from one place so Alembic and the app see the same metadata."""

from circular_platform.models.accounts import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    User,
)
from circular_platform.models.api import ApiToken, TokenScope
from circular_platform.models.audit import AuditAction, AuditEntry
from circular_platform.models.demand import (
    BundleQuestion,
    BundleStatus,
    DemandBundle,
    SupplyBundle,
    SupplyBundleLine,
)
from circular_platform.models.impact import EmissionFactorChange, ExchangeLine
from circular_platform.models.mail import DeliveryState, OutboxMessage
from circular_platform.models.marketplace import (
    LISTED_SOLUTIONS,
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    OPEN_DEMAND,
    PUBLISHED_QUESTIONS,
    ChangeLog,
    Maturity,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
    SolutionTheme,
    Visibility,
)
from circular_platform.models.matching import Feedback, Match, MatcherModel, MatchStatus, SimilarQuestion
from circular_platform.models.materials import BuildingPassport, Intervention, MaterialLine
from circular_platform.models.notifications import (
    DEFAULT_FREQUENCY,
    Frequency,
    NotificationSetting,
    SavedSearch,
)
from circular_platform.models.regions import Municipality, Province
from circular_platform.models.review import MatchAction, MatchEvent
from circular_platform.models.search import SearchDocument, SearchPending, SearchWord

__all__ = [
    "EmissionFactorChange",
    "ExchangeLine",
    "ApiToken",
    "TokenScope",
    "AuditAction",
    "AuditEntry",
    "DeliveryState",
    "BuildingPassport",
    "Intervention",
    "MaterialLine",
    "DEFAULT_FREQUENCY",
    "Frequency",
    "NotificationSetting",
    "SavedSearch",
    "LISTED_SOLUTIONS",
    "MATCHABLE_QUESTIONS",
    "MATCHABLE_SOLUTIONS",
    "OPEN_DEMAND",
    "PUBLISHED_QUESTIONS",
    "BundleQuestion",
    "BundleStatus",
    "DemandBundle",
    "SupplyBundle",
    "SupplyBundleLine",
    "Feedback",
    "Match",
    "MatcherModel",
    "MatchStatus",
    "SimilarQuestion",
    "MatchAction",
    "MatchEvent",
    "ChangeLog",
    "Maturity",
    "Question",
    "QuestionStatus",
    "Solution",
    "SolutionStatus",
    "SolutionTheme",
    "Visibility",
    "Membership",
    "MembershipRole",
    "Municipality",
    "Organisation",
    "OrganisationKind",
    "OutboxMessage",
    "Province",
    "SearchDocument",
    "SearchPending",
    "SearchWord",
    "User",
]
