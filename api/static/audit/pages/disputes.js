// Disputes on milestones and snapshots: who opened them, on what evidence, how they ended.

import { every } from "../api.js";
import { h, message, section, table } from "../dom.js";
import { when } from "../format.js";
import { hash, heading, money, partner, state } from "../parts.js";

export async function render(ctx) {
  const disputes = await every(`/v1/projects/${ctx.project.id}/disputes`);
  const page = h("div", { class: "page page-disputes" }, heading("Disputes", ctx));
  if (disputes.length === 0) {
    page.append(message("note", "No dispute has been opened."));
    return page;
  }
  page.append(
    section(
      "Disputes",
      table(
        "Every dispute, oldest first, with the hash of its evidence and its outcome",
        ["#", "on", "opened by", "reason", "evidence hash", "status", "outcome", "opened", "closed"],
        disputes.map((d) =>
          h(
            "tr",
            { dataset: { dispute: String(d.id) } },
            h("td", { class: "num" }, String(d.id)),
            h("td", {}, `${d.subject} ${d.subject_id}`),
            h("td", {}, partner(ctx, d.opened_by)),
            h("th", { scope: "row" }, d.reason),
            h("td", {}, hash(d.evidence_hash, { full: true })),
            h("td", {}, state(d.status)),
            h("td", {}, d.outcome ? state(d.outcome) : "—"),
            h("td", {}, when(d.opened_at)),
            h("td", {}, when(d.closed_at)),
          ),
        ),
        { id: "disputes" },
      ),
    ),
    ...disputes.filter((d) => d.resolution).map((d) => resolutionCard(ctx, d)),
  );
  return page;
}

function resolutionCard(ctx, d) {
  const r = d.resolution;
  const zero = /^0*$/.test(r.new_root || "");
  return section(
    `Dispute ${d.id}: ${d.status}, ${d.outcome || "no outcome"}`,
    h(
      "ul",
      { class: "plain" },
      h("li", {}, `Signed by ${r.signers.length}: `, r.signers.map((a, i) => [i ? ", " : "", partner(ctx, a)])),
      r.excluded.length ? h("li", {}, `Contributions left out: ${r.excluded.join(", ")}`) : null,
      zero ? h("li", {}, "The payouts stand (no new payout root).") : h("li", {}, "New payout root ", hash(r.new_root)),
      r.fee ? h("li", {}, "Arbiter's fee ", money(r.fee, ctx)) : null,
      r.tx ? h("li", {}, "Transaction ", hash(r.tx)) : null,
    ),
  );
}
