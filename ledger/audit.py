"""The arbiter's ``verify``: a project's record, snapshots and chain checked from raw data.

:func:`verify` trusts nothing the ledger derived and stored:

- the record: every journal entry recomputed from its raw row (hash, chain of hashes,
  sequence), the Merkle tree rebuilt and compared with every tree head anchored on chain
  and every signed tree head checked against the record key (``ledger.journal.verify``);
- the contributions: every row against the journal entry that registered it
  (``ledger.contribution_audit.verify``);
- the snapshots: every stored snapshot recomputed from the raw contributions and the
  agreement versions (``ledger.snapshots.verify``);
- the chain: what the contracts hold and emitted for the project, compared with what the
  ledger recorded (``ledger.reconcile``);

and reports each problem where it is seen: an entry by sequence number, a snapshot by
number and field, a contribution row by id and field, a chain discrepancy by subject and
field. It only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from ledger import contribution_audit, journal, projects, snapshots, tree_heads
from ledger.context import Ledger
from ledger.reconcile import Discrepancy, reconcile
from ledger.record.errors import TreeHeadInvalid
from ledger.record.heads import verify_head


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found; ``ok`` when nothing is wrong."""

    project_id: int
    record: journal.VerifyReport
    anchored_sizes: list[int]
    heads: list[str] = field(default_factory=list)
    snapshots: list[snapshots.Mismatch] = field(default_factory=list)
    chain: list[Discrepancy] = field(default_factory=list)
    contributions: list[contribution_audit.RowMismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.record.ok
            and not self.heads
            and not self.snapshots
            and not self.chain
            and not self.contributions
        )

    def problems(self) -> list[str]:
        """One line per problem, for people."""
        lines = [f"record entry {p.seq}: {p.kind}: {p.detail}" for p in self.record.problems]
        lines += self.heads
        lines += [
            f"snapshot {m.number}: {m.field} differs from its recomputation" for m in self.snapshots
        ]
        lines += [
            f"contribution {m.contribution_id}: {m.field}: {m.detail}" for m in self.contributions
        ]
        lines += [f"chain: {d.subject} {d.ref}: {d.detail}" for d in self.chain]
        return lines


def verify(session: Session, ledger: Ledger, *, project_id: int) -> AuditReport:
    """Check a project's record, tree heads and snapshots; see the module docstring.

    Raises:
        NotFound: for an unknown project.
    """
    project = projects.get_project(session, project_id)
    assert project.chain_project_id is not None
    anchored = {
        head.tree_size: head.root_hash for head in ledger.anchor.heads(project.chain_project_id)
    }
    public_key = ledger.record_key.public_key()
    heads, known = [], dict(anchored)
    for row in tree_heads.stored(session, project_id):
        try:
            signed = tree_heads.decode(row)
        except TreeHeadInvalid:
            heads.append(
                f"signed tree head of size {row.tree_size}: its stored root or signature "
                "is malformed"
            )
            continue
        if not verify_head(public_key, signed):
            heads.append(
                f"signed tree head of size {signed.head.tree_size}: the signature does not verify"
            )
        else:  # a head the ledger's key signed holds the record to its root, as an anchor does
            known.setdefault(signed.head.tree_size, signed.head.root_hash)
    record = journal.verify(session, project_id, anchored=known)
    return AuditReport(
        project_id,
        record,
        sorted(anchored),
        heads,
        snapshots.verify(session, project_id),
        reconcile(session, ledger, project_id=project_id),
        contribution_audit.verify(session, project_id),
    )
