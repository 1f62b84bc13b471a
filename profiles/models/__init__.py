"""The profiles domain: mechanisms, their summary sections and who takes part in them.

See DESIGN.md §2. Every uniqueness rule is a database constraint; forms only repeat them
to give friendlier messages. One module per concept; everything is importable from here.
"""

from .base import YEAR_MAX, YEAR_MIN
from .children import Document, MechanismLink, Participation, Section
from .mechanisms import Mechanism
from .published import PublishedParticipant, PublishedProfile
from .vocabularies import Organisation, Region, ThematicArea, Topic

__all__ = [
    "YEAR_MAX",
    "YEAR_MIN",
    "Document",
    "Mechanism",
    "MechanismLink",
    "Organisation",
    "Participation",
    "PublishedParticipant",
    "PublishedProfile",
    "Region",
    "Section",
    "ThematicArea",
    "Topic",
]
