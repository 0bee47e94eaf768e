"""Background IP in escrow: the background book (never the foreground one).

A partner's pre-existing IP is deposited for project use as a record (title, owner,
document hash, licence terms); the document is sealed with AES-256-GCM under a fresh key,
the ciphertext kept off chain, the key in the vault, and the chain gets the document hash
and a commitment to the key with the owner's signature. Ownership never moves.

Depositing takes two steps, because the owner signs the key commitment and the key only
exists once the ledger has made it: :func:`prepare_deposit` makes the key and returns the
:class:`~ledger.chain.background.DepositTerms` to sign with a ``handle`` (the key wrapped
by the vault, opaque to the caller); :func:`deposit` takes the same inputs, the handle and
the signature. Nothing is stored between the two steps::

    prepared = prepare_deposit(session, ledger, project_id=..., owner=..., document=...,
                               terms=..., beneficiary=..., release_milestone=1)
    signature = Signer(owner_account, Domains.of(ledger)).background_deposit(prepared.terms)
    deposit(session, ledger, ..., handle=prepared.handle, signature=signature)

The key goes to the beneficiary only after the chain released it (:func:`release`, on the
deposit's milestone or an arbiter's ruling); :func:`read_document` asks the chain, not the
database. See ``docs/ip-books.md``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from sqlmodel import Session, select

from ledger.background_ip import fresh_key, key_commitment, seal
from ledger.background_reads import deposits, get_deposit, read_document
from ledger.background_release import release, withdraw
from ledger.chain.background import BACKGROUND_DEPOSIT, DepositTerms
from ledger.context import Ledger
from ledger.db import BackgroundDeposit, Partner, Project
from ledger.errors import Conflict, RuleViolation
from ledger.inputs import address, hex_bytes, partner_at
from ledger.projects import get_project
from ledger.recording import lock_project, record
from ledger.signatures import require_signer

__all__ = [
    "PreparedDeposit",
    "deposit",
    "deposits",
    "get_deposit",
    "prepare_deposit",
    "read_document",
    "release",
    "withdraw",
]

#: Associated data of a deposit handle: the handle opens only for the same deposit.
HANDLE_DOMAIN = b"ipledger/deposit-handle/v1:"


@dataclass(frozen=True)
class PreparedDeposit:
    """What the owner signs, and the handle :func:`deposit` needs back with the signature."""

    terms: DepositTerms
    handle: str


@dataclass(frozen=True)
class _Request:
    owner: Partner
    document_hash: bytes
    terms_text: str
    beneficiary: str
    release_milestone: int

    def terms(self, project: Project, commitment: bytes) -> DepositTerms:
        assert project.chain_project_id is not None
        return DepositTerms(
            project_id=project.chain_project_id,
            owner=self.owner.address,
            document_hash=self.document_hash,
            key_commitment=commitment,
            terms_hash=hashlib.sha256(self.terms_text.encode("utf-8")).digest(),
            beneficiary=self.beneficiary,
            release_milestone=self.release_milestone,
        )

    def handle_context(self, project: Project) -> bytes:
        assert project.chain_project_id is not None
        return (
            HANDLE_DOMAIN
            + project.chain_project_id.to_bytes(32, "big")
            + bytes.fromhex(self.owner.address[2:])
            + self.document_hash
        )


def prepare_deposit(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    owner: str,
    document: bytes,
    terms: Mapping[str, Any],
    beneficiary: str,
    release_milestone: int,
) -> PreparedDeposit:
    """Make a fresh document key and the terms its owner signs; stores nothing.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: naming the first invalid input (``owner`` not a partner, empty
            ``document``, ``terms`` not JSON, zero ``beneficiary``, ``release_milestone`` < 1).
        Conflict: if the document is deposited in the project already.
    """
    project = get_project(session, project_id)
    request = _request(session, project, owner, document, terms, beneficiary, release_milestone)
    key = fresh_key()  # the document is sealed under it by deposit()
    handle = ledger.vault.wrap(key, request.handle_context(project))
    return PreparedDeposit(request.terms(project, key_commitment(key)), "0x" + handle.hex())


def deposit(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    owner: str,
    title: str,
    document: bytes,
    terms: Mapping[str, Any],
    beneficiary: str,
    release_milestone: int,
    handle: str,
    signature: str,
) -> BackgroundDeposit:
    """Deposit background IP prepared by :func:`prepare_deposit`, with the owner's signature.

    The sealed document and its key are stored (named by the key commitment) before the
    chain is asked, so the chain never holds a deposit whose document the ledger lacks; if
    a later step fails, what was stored is unreachable (no row names it) and harmless.

    Raises:
        RuleViolation: for an invalid input (as :func:`prepare_deposit`, plus ``title`` and
            a ``handle`` the vault did not make for this owner, project and document).
        Unauthorized: unless the owner signed exactly these terms.
        Conflict: if the document is deposited in the project already.
        ContractReverted: if the escrow refuses the deposit (nothing is recorded).
    """
    project = lock_project(session, project_id)
    request = _request(session, project, owner, document, terms, beneficiary, release_milestone)
    title = title.strip() if isinstance(title, str) else ""
    if not 1 <= len(title) <= 200:
        raise RuleViolation("a deposit needs a title of 1 to 200 characters", field="title")
    try:
        key = ledger.vault.unwrap(hex_bytes(handle, "handle"), request.handle_context(project))
    except RuleViolation:
        raise RuleViolation(
            "the handle is not one prepare_deposit made for this owner, project and document",
            field="handle",
        ) from None
    chain_terms = request.terms(project, key_commitment(key))
    require_signer(
        ledger.background.domain,
        "BackgroundDeposit",
        chain_terms.message(),
        signature,
        request.owner.address,
        BACKGROUND_DEPOSIT,
    )
    sealed = seal(document, key)
    ledger.documents.put(sealed, name=sealed.key_commitment)
    ledger.vault.store(sealed.document_hash, sealed.key, name=sealed.key_commitment)
    chain_id, receipt = ledger.background.deposit_tx(chain_terms, hex_bytes(signature, "signature"))
    row = BackgroundDeposit(
        project_id=project_id,
        owner_partner_id=request.owner.id,
        title=title,
        document_hash=request.document_hash.hex(),
        key_commitment=sealed.key_commitment.hex(),
        terms=request.terms_text,
        chain_deposit_id=chain_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        ledger,
        project,
        "background.deposited",
        {
            "beneficiary": request.beneficiary,
            "chain_deposit_id": chain_id,
            "deposit_id": row.id,
            "document_hash": row.document_hash,
            "key_commitment": row.key_commitment,
            "owner": request.owner.address,
            "release_milestone": request.release_milestone,
            "terms": json.loads(request.terms_text),
            "terms_hash": chain_terms.terms_hash.hex(),
            "title": title,
            "tx": receipt.tx_hash,
        },
        actor=f"partner:{request.owner.address}",
        signature=signature,
    )
    return row


# ---------------------------------------------------------------------- internal


def _request(
    session: Session,
    project: Project,
    owner: str,
    document: bytes,
    terms: Mapping[str, Any],
    beneficiary: str,
    release_milestone: int,
) -> _Request:
    assert project.id is not None
    partner = partner_at(session, project.id, owner, "owner")
    if not isinstance(document, bytes) or not document:
        raise RuleViolation("the document is empty", field="document")
    if not isinstance(terms, Mapping):
        raise RuleViolation("terms must be a JSON object", field="terms")
    try:
        terms_text = rfc8785.dumps(dict(terms)).decode("utf-8")
    except rfc8785.CanonicalizationError as exc:
        raise RuleViolation(f"terms are not RFC 8785 JSON: {exc}", field="terms") from None
    to = address(beneficiary, "beneficiary", nonzero=True)
    if isinstance(release_milestone, bool) or not isinstance(release_milestone, int):
        raise RuleViolation("the release milestone is a number", field="release_milestone")
    if not 1 <= release_milestone < 2**256:
        raise RuleViolation("milestones are numbered from 1", field="release_milestone")
    document_hash = hashlib.sha256(document).digest()
    existing = session.exec(
        select(BackgroundDeposit)
        .where(BackgroundDeposit.project_id == project.id)
        .where(BackgroundDeposit.document_hash == document_hash.hex())
    ).first()
    if existing is not None:
        raise Conflict(
            f"this document is deposit {existing.id} of the project already",
            field="document",
            deposit_id=existing.id,
        )
    return _Request(partner, document_hash, terms_text, to, release_milestone)
