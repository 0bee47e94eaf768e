// The equity matrix at a milestone, per tier, as a heat map with the exact bps in every
// cell, and how it changed from another milestone.

import { every, get } from "../api.js";
import { h, message, section, table } from "../dom.js";
import { delta, when } from "../format.js";
import { hash, heading, money, partner } from "../parts.js";

const TIERS = ["core", "application", "derivative"];

export async function render(ctx, params) {
  const base = `/v1/projects/${ctx.project.id}`;
  const [milestones, snapshots] = await Promise.all([
    every(`${base}/milestones`),
    every(`${base}/equity/snapshots`),
  ]);
  const taken = milestones.filter((m) => m.snapshot_number !== null);
  const page = h("div", { class: "page page-equity" }, heading("Equity", ctx));
  if (taken.length === 0) {
    page.append(message("note", "No milestone has been submitted yet: there is no snapshot of the matrix."));
    return page;
  }
  const numbers = taken.map((m) => m.number);
  const wanted = Number(params.get("milestone"));
  const chosen = { milestone: numbers.includes(wanted) ? wanted : numbers.at(-1), compare: null };
  const against = Number(params.get("compare"));
  if (numbers.includes(against) && against !== chosen.milestone) chosen.compare = against;

  const cache = new Map();
  const matrixOf = (number) => {
    if (!cache.has(number)) cache.set(number, get(`${base}/equity/milestones/${number}`));
    return cache.get(number);
  };
  const label = (number) => `Milestone ${number}: ${taken.find((m) => m.number === number).title}`;
  const pick = h("select", { id: "milestone-select" }, taken.map((m) => h("option", { value: m.number }, label(m.number))));
  const compare = h(
    "select",
    { id: "compare-select" },
    h("option", { value: "" }, "nothing"),
    taken.map((m) => h("option", { value: m.number }, label(m.number))),
  );
  pick.value = String(chosen.milestone);
  compare.value = chosen.compare ? String(chosen.compare) : "";
  const area = h("div", { class: "matrix-area", "aria-live": "polite" });

  async function show() {
    chosen.milestone = Number(pick.value);
    chosen.compare = compare.value && Number(compare.value) !== chosen.milestone ? Number(compare.value) : null;
    history.replaceState(null, "", ctx.link("equity", { milestone: chosen.milestone, compare: chosen.compare }));
    area.setAttribute("aria-busy", "true");
    try {
      const [now, then] = await Promise.all([
        matrixOf(chosen.milestone),
        chosen.compare ? matrixOf(chosen.compare) : Promise.resolve(null),
      ]);
      area.replaceChildren(matrixCard(ctx, now, then, chosen), payoutCard(ctx, now, then, chosen));
    } catch (error) {
      area.replaceChildren(message("error", `Reading the matrix failed: ${error.line || error.message}`));
    }
    area.removeAttribute("aria-busy");
  }
  pick.addEventListener("change", show);
  compare.addEventListener("change", show);

  page.append(
    h(
      "form",
      { class: "controls card", on: { submit: (event) => event.preventDefault() } },
      h("div", { class: "control" }, h("label", { for: "milestone-select" }, "Matrix at"), pick),
      h("div", { class: "control" }, h("label", { for: "compare-select" }, "Compare with"), compare),
    ),
    area,
    historyCard(snapshots),
  );
  await show();
  return page;
}

/** A column's share of a partner (null when the column does not list the partner). */
function shareOf(snapshot, tier, number) {
  const column = snapshot?.tiers.find((t) => t.tier === tier);
  if (!column) return null;
  return column.shares.find((s) => s.partner_number === number) ?? null;
}

function heatLevel(bps) {
  return Math.max(0, Math.min(10, Math.round(bps / 1000)));
}

function cell(ctx, tier, p, share, before, chosen, snapshotHasTier) {
  const who = `#${p.number} ${p.name}`;
  if (!snapshotHasTier) {
    return h("td", { class: "heat heat-none", title: `${tier}: no column at milestone ${chosen.milestone}` }, "·");
  }
  if (share === null) {
    return h(
      "td",
      { class: "heat heat-none", title: `${tier} · ${who}: not in the column (no contribution in the tier)` },
      "–",
    );
  }
  const bps = share.rights_bps;
  const lines = [`${tier} · ${who}: ${bps} bps at milestone ${chosen.milestone}`];
  let change = null;
  if (chosen.compare) {
    const was = before ? before.rights_bps : 0;
    change = bps - was;
    lines.push(
      before
        ? `${was} bps at milestone ${chosen.compare}`
        : `not in the ${tier} column at milestone ${chosen.compare} (counted as 0 bps)`,
      `change ${delta(change)} bps`,
    );
  }
  const deltaClass = change === null ? "" : change > 0 ? " delta-up" : change < 0 ? " delta-down" : "";
  return h(
    "td",
    {
      class: `heat heat-${heatLevel(bps)}${deltaClass}`,
      title: lines.join("; "),
      dataset: { tier, partner: String(p.number), bps: String(bps), delta: change === null ? null : String(change) },
    },
    h("span", { class: "bps" }, String(bps)),
    change === null ? null : h("span", { class: "delta" }, delta(change)),
  );
}

function matrixCard(ctx, now, then, chosen) {
  const tiers = TIERS.filter((t) => now.tiers.some((c) => c.tier === t) || then?.tiers.some((c) => c.tier === t));
  const rows = ctx.partners.map((p) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, partner(ctx, p.number)),
      tiers.map((tier) =>
        cell(
          ctx,
          tier,
          p,
          shareOf(now, tier, p.number),
          shareOf(then, tier, p.number),
          chosen,
          now.tiers.some((c) => c.tier === tier),
        ),
      ),
    ),
  );
  const weights = h(
    "tr",
    { class: "weights" },
    h("th", { scope: "row" }, "tier weight"),
    tiers.map((tier) => {
      const column = now.tiers.find((c) => c.tier === tier);
      const was = then?.tiers.find((c) => c.tier === tier);
      const text = column ? String(column.weight_bps) : "·";
      const change = chosen.compare && column ? column.weight_bps - (was ? was.weight_bps : 0) : null;
      return h(
        "td",
        { class: "num", dataset: { tier, weight: column ? String(column.weight_bps) : null } },
        text,
        change === null ? null : h("span", { class: "delta" }, ` ${delta(change)}`),
      );
    }),
  );
  const sums = h(
    "tr",
    { class: "sums" },
    h("th", { scope: "row" }, "column sum (added up here)"),
    tiers.map((tier) => {
      const column = now.tiers.find((c) => c.tier === tier);
      if (!column) return h("td", { class: "num" }, "·");
      const total = column.shares.reduce((n, s) => n + s.rights_bps, 0);
      return h("td", { class: total === 10000 ? "num sum-ok" : "num sum-bad" }, String(total));
    }),
  );
  const caption =
    `Rights in bps per tier at milestone ${chosen.milestone} (snapshot #${now.number}, ${now.reason})` +
    (chosen.compare ? `, with the change since milestone ${chosen.compare}` : "");
  const scale = h(
    "p",
    { class: "scale", "aria-hidden": "true" },
    "0 bps ",
    Array.from({ length: 11 }, (_, i) => h("span", { class: `swatch heat-${i}` }, "")),
    " 10000 bps",
  );
  return section(
    "Rights by tier",
    h(
      "p",
      { class: "muted" },
      "Each cell is a partner's rights share in a tier, in basis points (10000 = 100 %); the colour follows the share. ",
      "Hover or focus the table for the exact values and, when comparing, the change.",
    ),
    table(caption, ["partner", ...tiers], rows, { id: "equity-matrix", class: "matrix" }, [weights, sums]),
    scale,
    h(
      "p",
      { class: "muted" },
      `Cut-off ${when(now.cutoff)} · inputs hash `,
      hash(now.inputs_hash),
      now.supersedes ? ` · supersedes snapshot id ${now.supersedes}` : "",
      now.left_out.length ? ` · contributions left out: ${now.left_out.join(", ")}` : "",
    ),
  );
}

function payoutCard(ctx, now, then, chosen) {
  const rows = now.payout_vector.map((entry) => {
    const was = then?.payout_vector.find((e) => e.partner_number === entry.partner_number);
    const change = chosen.compare ? entry.bps - (was ? was.bps : 0) : null;
    const profit = shareOf(now, "application", entry.partner_number)?.profit_bps;
    return h(
      "tr",
      { dataset: { partner: String(entry.partner_number) } },
      h("th", { scope: "row" }, partner(ctx, entry.partner_number)),
      h(
        "td",
        { class: "num", dataset: { payoutBps: String(entry.bps) } },
        String(entry.bps),
        change === null ? null : h("span", { class: "delta" }, ` ${delta(change)}`),
      ),
      h("td", { class: "num" }, entry.wei === null ? "—" : money(entry.wei, ctx)),
      h("td", { class: "num" }, profit === null || profit === undefined ? "–" : String(profit)),
      h("td", {}, hash(entry.payout_address)),
    );
  });
  return section(
    "Payout vector",
    table(
      `Payout shares at milestone ${chosen.milestone}: bps of the milestone's amount, and the wei each gets`,
      ["partner", "payout bps", "payout", "application profit bps", "payout address"],
      rows,
      { id: "payout-vector" },
    ),
  );
}

function historyCard(snapshots) {
  const rows = snapshots.map((s) =>
    h(
      "tr",
      {},
      h("td", { class: "num" }, `#${s.number}`),
      h("td", { class: "num" }, s.milestone === null ? "—" : String(s.milestone)),
      h("td", {}, s.reason),
      h("td", {}, when(s.cutoff)),
      h("td", {}, hash(s.inputs_hash)),
      h("td", {}, s.superseded_by ? `superseded (by id ${s.superseded_by})` : "current"),
    ),
  );
  return section(
    "Snapshots",
    table(
      "Every snapshot, oldest first: a ruling or settlement supersedes, never rewrites",
      ["#", "milestone", "reason", "cut-off", "inputs hash", "status"],
      rows,
    ),
  );
}
