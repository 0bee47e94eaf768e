// The full verification (GET /v1/audit/{id}/verify): the record recomputed from its raw
// entries against the anchored and signed heads, the snapshots, the chain; each problem
// where it is seen, entry by entry.

import { get } from "../api.js";
import { facts, h, message, section, table } from "../dom.js";
import { hash, heading, verdict } from "../parts.js";

export async function render(ctx) {
  const results = h("div", { class: "verify-results", "aria-live": "polite" });
  const button = h("button", { type: "button", id: "verify-button", class: "primary" }, "Verify the record");
  button.addEventListener("click", async () => {
    button.disabled = true;
    results.setAttribute("aria-busy", "true");
    results.replaceChildren(
      h("p", { class: "loading" }, "Verifying: recomputing every entry, head and snapshot, and reading the chain…"),
    );
    const started = performance.now();
    try {
      const report = await get(`/v1/audit/${ctx.project.id}/verify`);
      results.replaceChildren(...reportView(ctx, report, performance.now() - started));
    } catch (error) {
      results.replaceChildren(message("error", `The verification could not run: ${error.line || error.message}`));
    }
    results.removeAttribute("aria-busy");
    button.disabled = false;
    results.querySelector("h2")?.focus();
  });
  return h(
    "div",
    { class: "page page-verify" },
    heading("Verify", ctx),
    section(
      "The full check",
      h(
        "p",
        {},
        "The ledger recomputes every entry's hash and the hash chain from the raw rows, rebuilds the Merkle tree and ",
        "compares it with every tree head anchored on chain and every signed head it published, recomputes every ",
        "snapshot of the equity matrix from the raw contributions, and reconciles its rows with the chain. ",
        "Anything edited, deleted, inserted or reordered is reported with its sequence number.",
      ),
      button,
    ),
    results,
  );
}

function reportView(ctx, report, millis) {
  const record = [...report.record].sort((a, b) => a.seq - b.seq);
  const summary = section(
    report.ok ? "Verified: no problem found" : "Problems found",
    h("p", { class: "big", id: "verify-verdict" }, verdict(report.ok, { yes: "ok", no: "failed" })),
    facts([
      ["Entries", String(report.size)],
      ["Root of all entries", hash(report.root, { full: true })],
      ["Sizes anchored on chain", report.anchored_sizes.join(", ") || "none"],
      ["Problems", String(report.problems.length)],
      ["Took", `${(millis / 1000).toFixed(1)} s`],
    ]),
  );
  summary.querySelector("h2").setAttribute("tabindex", "-1");
  const parts = [summary];
  parts.push(
    section(
      "The record, entry by entry",
      record.length === 0
        ? message("ok", `All ${report.size} entries match their hashes, the hash chain and every known head.`)
        : table(
            "Entries that failed, by sequence number",
            ["seq", "problem", "detail", ""],
            record.map((p) =>
              h(
                "tr",
                { class: "failed", dataset: { seq: String(p.seq), kind: p.kind } },
                h("th", { scope: "row", class: "num" }, String(p.seq)),
                h("td", {}, verdict(false, { no: p.kind.replaceAll("_", " ") })),
                h("td", {}, p.detail),
                h("td", {}, h("a", { href: ctx.link("record", { from: p.seq }) }, `entry ${p.seq} in the record`)),
              ),
            ),
            { id: "record-problems" },
          ),
    ),
  );
  if (report.heads.length) {
    parts.push(section("Signed heads", h("ul", { id: "head-problems" }, report.heads.map((line) => h("li", {}, line)))));
  }
  if (report.snapshots.length) {
    parts.push(
      section(
        "Snapshots",
        table(
          "Snapshot fields that differ from their recomputation",
          ["snapshot", "field", "stored", "recomputed"],
          report.snapshots.map((s) =>
            h(
              "tr",
              { dataset: { snapshot: String(s.number) } },
              h("th", { scope: "row" }, `#${s.number}`),
              h("td", {}, s.field),
              h("td", {}, h("code", { class: "hash-full" }, JSON.stringify(s.stored))),
              h("td", {}, h("code", { class: "hash-full" }, JSON.stringify(s.recomputed))),
            ),
          ),
          { id: "snapshot-problems" },
        ),
      ),
    );
  }
  if (report.contributions.length) {
    parts.push(
      section(
        "Contributions",
        table(
          "Contribution rows that differ from the entry that registered them",
          ["contribution", "field", "detail"],
          report.contributions.map((c) =>
            h(
              "tr",
              { dataset: { contribution: String(c.contribution_id) } },
              h("th", { scope: "row" }, `#${c.contribution_id}`),
              h("td", {}, c.field),
              h("td", {}, c.detail),
            ),
          ),
          { id: "contribution-problems" },
        ),
      ),
    );
  }
  if (report.chain.length) {
    parts.push(
      section(
        "Ledger and chain",
        table(
          "Where the ledger's rows and the chain disagree",
          ["subject", "field", "ledger", "chain", "detail"],
          report.chain.map((c) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, `${c.subject}${c.ref ? ` ${c.ref}` : ""}`),
              h("td", {}, c.field),
              h("td", {}, h("code", { class: "hash-full" }, c.ledger ?? "—")),
              h("td", {}, h("code", { class: "hash-full" }, c.chain ?? "—")),
              h("td", {}, c.detail),
            ),
          ),
          { id: "chain-problems" },
        ),
      ),
    );
  }
  return parts;
}
