// Each milestone's payouts and their claims, read from the escrow.

import { every, get } from "../api.js";
import { facts, h, message, section, table } from "../dom.js";
import { when } from "../format.js";
import { hash, heading, money, partner, state, verdict } from "../parts.js";

export async function render(ctx) {
  const base = `/v1/projects/${ctx.project.id}`;
  const milestones = await every(`${base}/milestones`);
  const claims = await Promise.all(
    milestones.map((m) => (m.state === "planned" ? Promise.resolve(null) : get(`${base}/milestones/${m.number}/claims`))),
  );
  const page = h("div", { class: "page page-payouts" }, heading("Payouts & claims", ctx));
  if (milestones.length === 0) page.append(message("note", "No milestone planned yet."));
  milestones.forEach((m, i) => page.append(milestoneCard(ctx, m, claims[i])));
  return page;
}

function milestoneCard(ctx, m, claims) {
  const title = `Milestone ${m.number}: ${m.title}`;
  if (claims === null) {
    return section(title, h("p", {}, state(m.state), " Nothing to pay before the milestone is submitted."));
  }
  const sum = claims.items.reduce((n, item) => n + BigInt(item.amount), 0n);
  const rows = claims.items.map((item) =>
    h(
      "tr",
      { dataset: { partner: String(item.partner_number) } },
      h("th", { scope: "row" }, partner(ctx, item.partner_number)),
      h("td", {}, hash(item.account)),
      h("td", { class: "num" }, money(item.amount, ctx)),
      h("td", {}, verdict(item.claimed, { yes: "claimed", no: "not claimed" })),
      h("td", {}, item.tx_hash ? hash(item.tx_hash) : item.claimed ? "outside the ledger" : "—"),
      h("td", {}, when(item.claimed_at)),
    ),
  );
  const adds = sum === BigInt(claims.total);
  return section(
    title,
    facts([
      ["State", state(claims.state)],
      ["Amount", money(claims.total, ctx)],
      ["Claimed so far", money(claims.claimed_total, ctx)],
      ["Payout root", hash(claims.payout_root)],
      [
        "Released",
        m.released_block !== null ? h("span", {}, `block ${m.released_block}, tx `, hash(m.released_tx)) : "not yet",
      ],
      ["Claims open", `${when(claims.claims_open_at)} until ${when(claims.claim_deadline)}`],
    ]),
    table(
      `Payouts of milestone ${m.number}, each to the partner's own payout address`,
      ["partner", "paid to", "payout", "claim", "transaction", "claimed at"],
      rows,
      { class: "claims", dataset: { milestone: String(m.number) } },
    ),
    h(
      "p",
      { class: adds ? "check check-ok" : "check check-bad" },
      verdict(adds, { yes: "adds up", no: "does not add up" }),
      ` The payouts add up to `,
      money(sum.toString(), ctx),
      adds ? ": the milestone's amount, to the wei." : `, not the milestone's amount.`,
    ),
  );
}
