"""The model's agents: residents, professionals, the municipality, initiatives and meeting places.

Residents, initiatives and meeting places are thin Mesa agents over model-owned
arrays (their dynamics run vectorised in :mod:`model.core.submodels`); professionals and
the municipality are few and keep ordinary ``step`` methods.
"""

from agents.collectives import Initiative, MeetingPlace
from agents.municipality import Municipality
from agents.professional import Professional
from agents.resident import Resident

__all__ = ["Initiative", "MeetingPlace", "Municipality", "Professional", "Resident"]
