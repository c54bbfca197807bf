"""The learner's progress: every check() attempt, recorded locally (being written for issue #16)."""
from __future__ import annotations


def record_attempt(exercise_id: str, verdict: str, mistake: str | None, level: int) -> None:
    """Record one attempt (placeholder until the local progress file lands)."""
    return None
