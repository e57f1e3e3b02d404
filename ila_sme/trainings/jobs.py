"""The catalogue's scheduled job: ``registry-sync`` mirrors what changed in the national training registry
(fired by ``scheduler.jobs``; ``flask --app app registry sync`` does the same now)."""

from __future__ import annotations

from ila_sme.outcomes import Outcome
from ila_sme.register.client import RegisterClient
from ila_sme.trainings import sync


def registry_sync() -> Outcome:
    try:
        with RegisterClient.for_registry() as client:
            run = sync.sync_registry(client)
    except sync.SyncError as error:  # the failed sync run is on the registry's sync-runs page too
        return Outcome({}, str(error))
    return Outcome({"inserted": run.inserted, "updated": run.updated, "withdrawn": run.withdrawn,
                    "unchanged": run.unchanged})
