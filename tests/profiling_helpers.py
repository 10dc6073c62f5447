"""A profiling assessment for one member without training a model (the tests of the pages that show one)."""
from __future__ import annotations

from datetime import datetime

from portal.models.profiling import ProfilingAssessment, ProfilingModel


def add_assessment(session, member, *, factors: list[dict], now: datetime, probability: float = 0.4,
                   proposed_group: str = "2a") -> ProfilingAssessment:
    model = ProfilingModel(kind="B", version=1, artefact_path="-", artefact_sha256="0" * 64, target="long_term",
                           features=[], spec={}, report={}, training_rows=0, trained_at=now, trained_by="test",
                           active=False)
    session.add(model)
    session.flush()
    assessment = ProfilingAssessment(member_id=member.id, model_id=model.id, probability=probability,
                                     proposed_group=proposed_group, unseen_levels=[], input_hash="x", scored_at=now,
                                     scored_by="test", factors=factors)
    session.add(assessment)
    session.flush()
    return assessment
