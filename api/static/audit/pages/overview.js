// The project at a glance: its agreement, partners and their credentials, the escrow, the
// milestones on a timeline with their alerts.

import { every, get, optional } from "../api.js";
import { badge, facts, h, message, section, table } from "../dom.js";
import { day, days, when } from "../format.js";
import { hash, heading, money, problem, state } from "../parts.js";

export async function render(ctx) {
  const id = ctx.project.id;
  const base = `/v1/projects/${id}`;
  const [agreement, milestones, balance, deposits, alerts, chain] = await Promise.all([
    get(`${base}/agreement`),
    every(`${base}/milestones`),
    get(`${base}/funding/balance`).catch((error) => ({ error })),
    every(`${base}/funding/deposits`),
    ctx.can("alert.read") ? every(`${base}/alerts`) : Promise.resolve(null),
    get("/v1/chain"),
  ]);
  const credentials = await partnerCredentials(ctx, chain.chain_id);
  return h(
    "div",
    { class: "page page-overview" },
    heading("Overview", ctx),
    h(
      "div",
      { class: "grid" },
      agreementCard(ctx, agreement.document, agreement),
      escrowCard(ctx, balance, deposits),
    ),
    partnersCard(ctx, credentials),
    timelineCard(ctx, milestones, alerts),
  );
}

/** Each partner's credentials, with their status in the host jurisdiction. */
async function partnerCredentials(ctx, chainId) {
  const host = ctx.project.host_jurisdiction;
  const byPartner = new Map();
  await Promise.all(
    ctx.partners.map(async (p) => {
      const holder = `did:pkh:eip155:${chainId}:${p.address}`;
      const held = await optional(every("/v1/credentials", { holder }), () => []);
      const checked = await Promise.all(
        held.map(async (c) => ({
          credential: c,
          report: await optional(
            get(`/v1/credentials/${encodeURIComponent(c.credential_id)}/verification`, { jurisdiction: host }),
          ),
        })),
      );
      byPartner.set(p.number, checked);
    }),
  );
  return byPartner;
}

function agreementCard(ctx, doc, agreement) {
  const tiers = doc.tiers || {};
  const core = tiers.core;
  const quorum = doc.quorum || {};
  const deadlines = doc.deadlines || {};
  return section(
    "Agreement",
    facts([
      ["Host jurisdiction", ctx.project.host_jurisdiction],
      ["State", state(ctx.project.state)],
      ["Version", `v${agreement.version} (${agreement.reason})`],
      ["Document hash", hash(agreement.document_hash)],
      [
        "Release quorum",
        `${quorum.partners} of ${ctx.partners.length} partners${quorum.arbiter ? " and an arbiter" : ""}`,
      ],
      ["Tier weights", typeof doc.tier_weights === "string" ? doc.tier_weights.replaceAll("_", " ") : "fixed"],
      core && [
        "Core tier",
        `foreign side ${core.band.lo}–${core.band.hi} bps; licences in ${(core.territories || []).join(", ")}`,
      ],
      tiers.application && ["Application tier", `industries ${(tiers.application.industries || []).join(", ")}`],
      tiers.derivative && ["Derivative tier", `local side at least ${tiers.derivative.lead} bps`],
      ["Dispute window", days(deadlines.dispute_window)],
      ["Claim window", days(deadlines.claim_window)],
      ["Arbiters", (doc.arbiters || []).map((a) => a.name).join(", ") || "none"],
    ]),
  );
}

function escrowCard(ctx, balance, deposits) {
  if (balance.error) return section("Escrow", problem(balance.error, "the escrow balance"));
  return section(
    "Escrow",
    h("p", { class: "big", id: "escrow-held" }, "Holds ", money(balance.held, ctx)),
    facts([
      ["Deposited", money(balance.deposited, ctx)],
      ["Available (no milestone)", money(balance.available, ctx)],
      ["Locked (released, unclaimed)", money(balance.locked, ctx)],
      ["Claimed by partners", money(balance.claimed, ctx)],
      BigInt(balance.refunded) > 0n && ["Refunded", money(balance.refunded, ctx)],
      BigInt(balance.fees_paid) + BigInt(balance.fees_owed) > 0n && [
        "Arbiter fees (paid / owed)",
        h("span", {}, money(balance.fees_paid, ctx), " / ", money(balance.fees_owed, ctx)),
      ],
      ["Deposits", `${deposits.length} (read from the chain's Deposited events)`],
    ]),
  );
}

function partnersCard(ctx, credentials) {
  const host = ctx.project.host_jurisdiction;
  const rows = ctx.partners.map((p) =>
    h(
      "tr",
      { dataset: { partner: String(p.number) } },
      h("td", { class: "num" }, String(p.number)),
      h("th", { scope: "row" }, p.name),
      h("td", {}, badge(p.side, p.side)),
      h("td", {}, p.jurisdiction),
      h("td", {}, p.kind.replaceAll("_", " ")),
      h("td", {}, hash(p.address)),
      h("td", {}, credentialList(credentials.get(p.number) || [], host)),
    ),
  );
  return section(
    "Partners",
    table(
      `Partners and their credentials (status in ${host}, the host jurisdiction)`,
      ["#", "name", "side", "from", "kind", "address", "credentials"],
      rows,
      { id: "partners" },
    ),
  );
}

function credentialList(checked, host) {
  if (checked.length === 0) return h("span", { class: "muted" }, "none");
  return h(
    "ul",
    { class: "plain" },
    checked.map(({ credential, report }) =>
      h(
        "li",
        { title: report ? `${report.detail} (checked ${when(report.checked_at)} for ${host})` : credential.credential_id },
        `${credential.type.replace(/Credential$/, "")} `,
        report ? badge(report.status.replaceAll("_", " "), report.valid ? "ok" : "failed") : badge(credential.state),
      ),
    ),
  );
}

function timelineCard(ctx, milestones, alerts) {
  const overdue = new Map();
  for (const alert of alerts || []) overdue.set(alert.milestone, alert);
  const items = milestones.map((m) => {
    const alert = overdue.get(m.number);
    return h(
      "li",
      { class: `milestone milestone-${m.state}`, dataset: { milestone: String(m.number) } },
      h("span", { class: "dot", "aria-hidden": "true" }),
      h(
        "div",
        { class: "milestone-body" },
        h("h3", {}, `Milestone ${m.number}: ${m.title}`),
        h(
          "p",
          { class: "milestone-meta" },
          state(m.state),
          ` due ${day(m.due_at)} · `,
          money(m.amount, ctx),
          ` · TRL ${m.trl_target}`,
          m.released_block !== null ? ` · released in block ${m.released_block}` : "",
        ),
        alert
          ? message(
              "error",
              `Overdue: alert raised ${when(alert.raised_at)} (record entry ${alert.seq}), ` +
                `${alert.notified.length} partners and arbiters notified; the milestone was ${alert.state} then.`,
            )
          : m.overdue_at
            ? message("error", `Overdue: alert raised ${when(m.overdue_at)}.`)
            : null,
      ),
    );
  });
  const note =
    alerts === null
      ? h("p", { class: "muted" }, "Alerts are read by partners and arbiters (alert.read); overdue milestones show here anyway.")
      : h("p", { class: "muted" }, `${alerts.length} alert${alerts.length === 1 ? "" : "s"} raised.`);
  return section(
    "Milestones",
    milestones.length ? h("ol", { class: "timeline", id: "timeline" }, items) : message("note", "No milestone planned yet."),
    note,
  );
}
