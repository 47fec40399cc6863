"""How partners are managed; each area lives in its own sub-package (strategies/, deals/, leads/,
tiers/, certifications/, onboarding/, applications/)."""

from programs.applications.models import PartnerApplication  # noqa: F401
from programs.certifications.models import Certification, CertificationDefinition  # noqa: F401
from programs.deals.models import Deal, DealConflict, DealHistory, DealProtection  # noqa: F401
from programs.leads.models import (  # noqa: F401
    Lead,
    LeadCountryRegion,
    LeadCredit,
    LeadOffer,
    LeadPolicy,
    LeadRouting,
    LeadRoutingRule,
    LeadWeight,
)
from programs.onboarding.models import (  # noqa: F401
    AgreementAcceptance,
    AgreementTemplate,
    Onboarding,
    OnboardingItem,
    OnboardingStep,
    OnboardingTemplate,
)
from programs.strategies.models import (  # noqa: F401
    HealthScore,
    Outcome,
    PreviewEntry,
    RunChunk,
    Strategy,
    StrategyRun,
    StrategyVersion,
)
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange  # noqa: F401
