"""The sandbox's incident library: generated incidents, each with a written ground truth.

Every incident is a story told by code with fixed seeds: the same `now_ms`
gives the same events. `INCIDENTS` maps names to incidents; `get_incident`
looks one up:

    data = get_incident("pool-shrink").generate(now_ms)
    data.events          # SeedEvents sorted by time, hours of them, none after now_ms
    data.truth.proofs    # what proves the story: group, regex, exact count

Each incident module tells its story in its docstring; the modules it builds
on write the logs of one kind of software each (Lambda, API Gateway, Spring
and the JVM, pino, PostgreSQL, ECS).
"""

from __future__ import annotations

from logai.sandbox.incidents import bad_config, dependency_tls, memory_leak, pool_shrink, throttling_cascade
from logai.sandbox.incidents.model import GroundTruth, Incident, IncidentData, Proof, SeedEvent

__all__ = ["DEFAULT", "INCIDENTS", "GroundTruth", "Incident", "IncidentData", "Proof", "SeedEvent", "get_incident"]

INCIDENTS: dict[str, Incident] = {
    incident.name: incident
    for incident in (
        pool_shrink.INCIDENT,
        throttling_cascade.INCIDENT,
        memory_leak.INCIDENT,
        bad_config.INCIDENT,
        dependency_tls.INCIDENT,
    )
}
DEFAULT = "pool-shrink"


def get_incident(name: str) -> Incident:
    """The incident called `name`; a KeyError names the ones there are."""
    try:
        return INCIDENTS[name]
    except KeyError:
        raise KeyError(f"no incident called {name!r}; there are: {', '.join(INCIDENTS)}") from None
