"""The development register as the demo seed sees it: over HTTP only, never its store.

The contract (booking, reading entries) goes through the app's own register client with each demo
employer's token; what happens at the register itself (a booking at its portal, an amount its staff
corrected, forgetting a demo employer's old entries) goes through the development register's dev-only
endpoints (``/_dev/…``, behind ``REGISTER_DEV_TOKEN``).

The register is the one that answers at ``LEDGER_URL`` (``make run`` starts it after the seed; a developer
may have one running already); when none answers, the seed starts one for its own run
(``python -m devregister`` on a free port, with the instance folder's ``dev-register.sqlite3`` and the
demo's clock) and stops it at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
from flask import current_app

from ila_sme import dates
from ila_sme.demo.data import REGISTER_DEV_TOKEN, REGISTER_PLATFORM_TOKEN
from ila_sme.employers.models import Employer
from ila_sme.funding.models import Contribution
from ila_sme.funding.submit import payload
from ila_sme.money import from_cents
from ila_sme.register import devprocess
from ila_sme.register.client import RegisterClient, RegisterError, scrub
from ila_sme.trainings import sync


class DemoRegister:
    def __init__(self, url: str, timeout: float):
        self.url = url.rstrip("/")
        self.timeout = timeout
        import httpx  # with rich and pygments: loaded when the register is called, not at the app's start

        self._dev = httpx.Client(base_url=self.url, timeout=timeout,
                                 headers={"Authorization": f"Bearer {REGISTER_DEV_TOKEN}"})

    def close(self) -> None:
        self._dev.close()

    def _client(self, employer: Employer) -> RegisterClient:
        return RegisterClient(self.url, employer.register_token or "", timeout=self.timeout)

    def _dev_post(self, path: str, body: dict) -> dict:
        import httpx

        try:
            response = self._dev.post(path, json=body)
        except httpx.HTTPError as error:
            raise click.ClickException(f"The development register at {self.url} did not answer {path} "
                                       f"({type(error).__name__}).") from error
        if response.status_code == 404 and path != "/_dev/amend":
            raise click.ClickException(f"The register at {self.url} has no dev endpoints: the demo seed needs the "
                                       f"development register (python -m devregister) with its dev token.")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400:
            error = answer.get("error") if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else {}
            raise click.ClickException(f"The development register refused {path}: "
                                       f"{scrub(str(error.get('message') or response.status_code))}")
        return answer

    # The contract, through the app's own client --------------------------------------------------

    def mirror_registry(self) -> str:
        """Mirror the register's whole training registry into the catalogue, as the nightly ``registry-sync``
        does (the first run takes every training, a later one what changed since): a line for the seed's output.
        Commits (the sync records its run)."""
        token = current_app.config.get("LEDGER_TOKEN") or REGISTER_PLATFORM_TOKEN
        try:
            with RegisterClient(self.url, token, timeout=self.timeout) as client:
                run = sync.sync_registry(client)
        except sync.SyncError as error:
            raise click.ClickException(f"The demo could not mirror the training registry: {error}") from error
        counts = sync.Counts(run.inserted, run.updated, run.withdrawn, run.unchanged)
        return f"Training registry mirrored from {self.url}: {counts.summary()}"

    def book(self, employer: Employer, contribution: Contribution) -> str:
        """Book the contribution as ``contributions submit`` would (same body and idempotency key): its entry id."""
        try:
            with self._client(employer) as client:
                return client.book_contribution(payload(contribution, employer), contribution.idempotency_key)[
                    "entry_id"]
        except RegisterError as error:
            raise click.ClickException(f"The development register refused the demo's contribution "
                                       f"{contribution.reference}: {error}") from error

    def entry_ids(self, employer: Employer) -> set[str]:
        """The ids of every entry of the employer at the register (bookings, reversals, portal entries)."""
        try:
            with self._client(employer) as client:
                return {entry["entry_id"] for entry in client.entries(employer.enterprise_number)}
        except RegisterError as error:
            raise click.ClickException(f"The development register could not list the entries of {employer.name}: "
                                       f"{error}") from error

    # What happens at the register itself, through its dev-only endpoints ---------------------------

    def forget_entries(self, employer: Employer) -> int:
        """Remove every entry of the employer at the register (its people and token stay): how many."""
        return int(self._dev_post("/_dev/forget", {"employer_id": employer.enterprise_number})["removed"])

    def amend(self, entry_id: str, amount_cents: int) -> None:
        """The register's staff correct the amount of an entry."""
        self._dev_post("/_dev/amend", {"entry_id": entry_id, "amount": f"{from_cents(amount_cents):.2f}"})

    def portal_book(self, employer: Employer, person_id: str, amount_cents: int, period: str) -> str:
        """A person of the employer books a top-up at the register's portal: its entry id."""
        return self._dev_post("/_dev/portal-booking", {
            "employer_id": employer.enterprise_number, "person_id": person_id,
            "amount": f"{from_cents(amount_cents):.2f}", "period": period, "kind": "top-up"})["entry_id"]


@contextmanager
def demo_register() -> Iterator[DemoRegister]:
    """The register at ``LEDGER_URL`` when one answers; else one started for the block (then stopped)."""
    url, timeout = current_app.config["LEDGER_URL"], current_app.config["LEDGER_TIMEOUT"]
    with ExitStack() as stack:
        if not devprocess.answers(url):
            store = Path(current_app.instance_path) / "dev-register.sqlite3"
            try:
                url = stack.enter_context(devprocess.started(store=store, today=dates.today(),
                                                             dev_token=REGISTER_DEV_TOKEN))
            except devprocess.DevRegisterError as error:
                raise click.ClickException(str(error)) from error
        register = DemoRegister(url, timeout)
        stack.callback(register.close)
        yield register
