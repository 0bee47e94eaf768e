"""The first acts: the project and its partners, their credentials, the funding, the plan.

Each act goes through the API as the party that does it: the admin creates the project
from the scenario's agreement and hands out API keys; every partner joins with its own
signature; an issuer per jurisdiction issues the partners' credentials; the funder signs
its own deposit, which the server relays to the escrow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.client import Client
from api.demo import show
from api.demo.cast import IssuerKeys
from api.demo.errors import DemoError, step
from api.demo.results import CredentialResult
from api.demo.story import Story

PARTNER_COLUMNS = ("#", "partner", "name", "from", "side")


def _principal(
    story: Story,
    name: str,
    role: str,
    *,
    address: str | None = None,
    project: bool = True,
    issuer_urn: str | None = None,
) -> Client:
    """The admin creates a principal; that principal's own client."""
    created = story.admin.create_principal(
        name,
        role,
        project_id=story.project_id if project else None,
        address=address,
        issuer_urn=issuer_urn,
    )
    client: Client = story.admin.as_key(created["api_key"])
    return client


def found_the_project(story: Story) -> None:
    """The admin creates the project; each partner joins with its own signature."""
    scenario, cast, console = story.scenario, story.cast, story.console
    show.heading(console, 1, "The consortium")
    with step("creating the project"):
        addresses = {key: account.address for key, account in cast.partners.items()}
        spec = scenario.agreement_spec(
            addresses, arbiters={"Consortium arbiter": cast.arbiter.address}
        )
        project = story.admin.create_project(spec.document())
        story.project_id = project_id = int(project["id"])
        story.result.project_id = project_id
    quorum = scenario.agreement.quorum
    show.say(
        console,
        f"Project #{project_id} [bold]{project['title']}[/], host jurisdiction "
        f"{project['host_jurisdiction']}, agreement v{project['agreement_version']} "
        f"(hash {project['agreement_hash'][:12]}…); a release needs {quorum.partners} of "
        f"{len(scenario.partners)} partners' signatures.",
    )
    table = show.table("Partners, each joined with its own signature", *PARTNER_COLUMNS)
    with step("the partners join"):
        for partner in scenario.partners:
            account = cast.partners[partner.key]
            client = _principal(story, partner.name, "partner", address=account.address)
            story.clients[partner.key] = client
            side = scenario.side_of(partner).value
            joined = client.join(project_id, account, side)
            if joined["number"] != scenario.partner_id(partner.key):
                raise DemoError(
                    f"{partner.key} joined as partner {joined['number']}, not "
                    f"{scenario.partner_id(partner.key)} as in the scenario"
                )
            story.result.partners[joined["number"]] = partner.key
            number = str(joined["number"])
            table.add_row(number, partner.key, partner.name, partner.jurisdiction, side)
    console.print(table)
    with step("creating the funder, licensee and arbiter"):
        funder, licensee, arbiter = cast.funder, cast.licensee, cast.arbiter
        story.clients["funder"] = _principal(
            story, scenario.funding.funder, "funder", address=funder.address
        )
        story.clients["licensee"] = _principal(
            story, "Line maker", "licensee", address=licensee.address
        )
        story.clients["arbiter"] = _principal(
            story, "Consortium arbiter", "arbiter", address=arbiter.address
        )
    show.say(
        console,
        f"Also on the project, each with its own API key and chain account: the funder "
        f"({scenario.funding.funder}), a licensee (Line maker) and the arbiter.",
    )


def issue_the_credentials(story: Story) -> None:
    """Each partner's listed credentials, issued by an office of its jurisdiction, verified
    at home and in the host country before and after the mutual recognition."""
    scenario, console = story.scenario, story.console
    holders = [p for p in scenario.partners if p.credentials]
    if not holders:
        return
    show.heading(console, 2, "Credentials")
    host = scenario.host_jurisdiction
    issuers = {p.jurisdiction: IssuerKeys.of(p.jurisdiction) for p in holders}
    with step("registering the issuers"):
        registrars = {j: _register_issuer(story, issuer) for j, issuer in issuers.items()}
    issued: list[tuple[str, str, str]] = []  # partner key, credential type, credential id
    with step("issuing the credentials"):
        chain_id = story.admin.chain()["chain_id"]
        since = (datetime.now(UTC) - timedelta(days=365)).replace(microsecond=0)
        for partner in holders:
            issuer = issuers[partner.jurisdiction]
            holder = f"did:pkh:eip155:{chain_id}:{story.account(partner.key).address}"
            for credential_type in partner.credentials:
                credential = registrars[partner.jurisdiction].issue_credential(
                    issuer.account,
                    issuer.key,
                    issuer=issuer.urn,
                    holder=holder,
                    credential_type=credential_type.value,
                    valid_from=since,
                    details={"holder": partner.name},
                )
                issued.append((partner.key, credential_type.value, credential["credential_id"]))
    home_of = {p.key: p.jurisdiction for p in holders}
    recognitions = {
        j: sorted({t for k, t, _ in issued if home_of[k] == j}) for j in issuers if j != host
    }
    with step("verifying the credentials"):
        before = {c: story.admin.verify_credential(c, host)["status"] for *_, c in issued}
        for jurisdiction, types in recognitions.items():
            for credential_type in types:
                story.admin.register_recognition(host, jurisdiction, credential_type)
        verifier = story.partner(story.keys[0])
        for key, credential_type, credential_id in issued:
            home = verifier.verify_credential(credential_id, home_of[key])["status"]
            after = verifier.verify_credential(credential_id, host)["status"]
            story.result.credentials.append(
                CredentialResult(
                    key, credential_type, home_of[key], home, before[credential_id], after
                )
            )
    columns = ("partner", "credential", "from", "at home", f"in {host} before", "after")
    table = show.table("Credentials, signed by an issuer and anchored on chain", *columns)
    for c in story.result.credentials:
        kind = c.credential_type.removesuffix("Credential")
        status = (c.at_home, c.in_host_before, c.in_host_after)
        table.add_row(c.partner, kind, c.issuer_jurisdiction, *status)
    console.print(table)
    for jurisdiction, types in recognitions.items():
        show.say(
            console,
            f"The recognition {host}↔{jurisdiction} for {', '.join(types)} was registered: "
            f"these credentials from {jurisdiction} now count in {host}.",
        )


def _register_issuer(story: Story, issuer: IssuerKeys) -> Client:
    """The admin trusts the issuer; the issuer's own client."""
    story.admin.register_issuer(
        issuer.urn,
        name=issuer.name,
        jurisdiction=issuer.jurisdiction,
        public_key=issuer.key.public_key().public_bytes_raw(),
        address=issuer.account.address,
    )
    return _principal(story, issuer.name, "issuer", project=False, issuer_urn=issuer.urn)


def fund_and_plan(story: Story) -> None:
    """The funder signs its deposit (the server relays it); the admin plans the milestones."""
    scenario, console = story.scenario, story.console
    show.heading(console, 3, "Funding and plan")
    amount = scenario.funding.amount
    with step("the funder's deposit"):
        (deposit,) = story.clients["funder"].fund(story.project_id, story.cast.funder, amount)
        story.result.funded = int(deposit["amount"])
    show.ok(
        console,
        f"{scenario.funding.funder} deposited {show.ether(amount)} ETH into the milestone "
        f"escrow: its own signed transaction, relayed by the server "
        f"(tx {deposit['tx_hash'][:12]}…).",
    )
    table = show.table(
        "Milestones planned",
        "#",
        "title",
        "amount (ETH)",
        "due",
        "TRL",
        right=["amount (ETH)", "TRL"],
    )
    today = datetime.now(UTC).replace(microsecond=0)
    with step("planning the milestones"):
        for milestone in scenario.milestones:
            planned = story.admin.plan_milestone(
                story.project_id,
                title=milestone.title,
                amount=milestone.amount,
                trl_target=milestone.trl_target,
                due_at=today + timedelta(days=milestone.due_day),
            )
            story.milestone_ids[planned["number"]] = int(planned["id"])
            table.add_row(
                str(planned["number"]),
                milestone.title,
                show.ether(milestone.amount),
                f"day {milestone.due_day}",
                str(milestone.trl_target),
            )
    console.print(table)
