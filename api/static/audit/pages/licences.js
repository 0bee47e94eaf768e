// The IP pool's assets, their licences, and the revenue split per tier and per payment.

import { every, get } from "../api.js";
import { h, message, section, table } from "../dom.js";
import { when } from "../format.js";
import { hash, heading, money, partner, state } from "../parts.js";

export async function render(ctx) {
  const base = `/v1/projects/${ctx.project.id}`;
  const [assets, licences, payments, tiers] = await Promise.all([
    every(`${base}/assets`),
    every(`${base}/licences`),
    every(`${base}/revenue`),
    get(`${base}/revenue/tiers`),
  ]);
  const assetTitle = (id) => assets.find((a) => a.id === id)?.title ?? `asset ${id}`;
  return h(
    "div",
    { class: "page page-licences" },
    heading("Licences & revenue", ctx),
    tiersCard(ctx, tiers),
    section(
      "Licences",
      licences.length === 0
        ? message("note", "No licence granted yet.")
        : table(
            "Licences on the foreground assets (territory and industry as the tier allows)",
            ["#", "asset", "licensee", "territory", "industry", "fee", "state", "granted"],
            licences.map((l) =>
              h(
                "tr",
                {},
                h("td", { class: "num" }, String(l.id)),
                h("th", { scope: "row" }, assetTitle(l.asset_id)),
                h("td", {}, hash(l.licensee)),
                h("td", {}, l.territory),
                h("td", {}, l.industry),
                h("td", { class: "num" }, money(l.fee, ctx)),
                h("td", {}, state(l.state)),
                h("td", {}, when(l.created_at)),
              ),
            ),
            { id: "licences" },
          ),
    ),
    section(
      "Assets",
      assets.length === 0
        ? message("note", "No foreground asset registered yet.")
        : table(
            "Foreground assets in the IP pool",
            ["#", "title", "tier", "registered by", "content hash"],
            assets.map((a) =>
              h(
                "tr",
                {},
                h("td", { class: "num" }, String(a.id)),
                h("th", { scope: "row" }, a.title),
                h("td", {}, a.tier),
                h("td", {}, partner(ctx, a.registrant)),
                h("td", {}, hash(a.content_hash)),
              ),
            ),
          ),
    ),
    section(
      "Payments",
      payments.length === 0
        ? message("note", "No revenue paid yet.")
        : table(
            "Each payment and its split, in order",
            ["#", "asset", "tier", "what", "amount", "cumulative before", "split"],
            payments.map((p) =>
              h(
                "tr",
                {},
                h("td", { class: "num" }, String(p.id)),
                h("th", { scope: "row" }, assetTitle(p.asset_id)),
                h("td", {}, p.tier),
                h("td", {}, p.licence_id ? `licence ${p.licence_id} fee` : "revenue"),
                h("td", { class: "num" }, money(p.amount, ctx)),
                h("td", { class: "num" }, money(p.cumulative_before, ctx)),
                h("td", {}, splitList(ctx, p.split)),
              ),
            ),
          ),
    ),
  );
}

function splitList(ctx, split) {
  return h(
    "ul",
    { class: "plain" },
    split.filter((s) => BigInt(s.wei) > 0n).map((s) => h("li", {}, partner(ctx, s.number), " ", money(s.wei, ctx))),
  );
}

function tiersCard(ctx, tiers) {
  const columns = tiers.tiers;
  if (columns.length === 0) return section("Revenue per tier", message("note", "No revenue paid yet."));
  const rows = ctx.partners.map((p) =>
    h(
      "tr",
      { dataset: { partner: String(p.number) } },
      h("th", { scope: "row" }, partner(ctx, p.number)),
      columns.map((t) => {
        const share = t.split.find((s) => s.number === p.number);
        return h("td", { class: "num", dataset: { tier: t.tier } }, share ? money(share.wei, ctx) : "–");
      }),
    ),
  );
  const totals = h(
    "tr",
    {},
    h("th", { scope: "row" }, "paid in"),
    columns.map((t) =>
      h(
        "td",
        { class: "num" },
        money(t.amount, ctx),
        h("span", { class: "muted" }, ` (${t.payments} payment${t.payments === 1 ? "" : "s"})`),
      ),
    ),
  );
  return section(
    "Revenue per tier",
    h("p", { class: "big" }, "Revenue paid in: ", money(tiers.amount, ctx)),
    table(
      "What each partner received of each tier's revenue",
      ["partner", ...columns.map((t) => t.tier)],
      rows,
      { id: "revenue-tiers" },
      [totals],
    ),
  );
}
