// The record: the signed tree head (checked here), the heads anchored on chain, and the
// entries a page at a time, each with its inclusion proof checked here with Web Crypto.

import { every, get } from "../api.js";
import { facts, h, message, section, table } from "../dom.js";
import { short, when } from "../format.js";
import { checkHead, checkInclusion } from "../proof.js";
import { hash, heading, verdict } from "../parts.js";

const PAGE_SIZE = 20;

export async function render(ctx, params) {
  const audit = `/v1/audit/${ctx.project.id}`;
  const [head, anchors] = await Promise.all([get(`${audit}/head`), every(`${audit}/anchors`)]);
  const checked = await checkHead(head);
  const anchor = anchors.find((a) => a.tree_size === head.tree_size) || null;
  const start = Math.max(1, Math.min(Number(params.get("from")) || 1, head.tree_size));
  const entries = h("div", { class: "entries-area" });
  const page = h(
    "div",
    { class: "page page-record" },
    heading("Record", ctx),
    h(
      "div",
      { class: "grid" },
      headCard(head, checked, anchor),
      anchorsCard(anchors),
    ),
    entries,
  );
  await showEntries(ctx, audit, head, entries, start);
  return page;
}

function headCard(head, checked, anchor) {
  const anchored =
    anchor === null
      ? h("span", { class: "muted" }, "this size is not anchored on chain")
      : h(
          "span",
          {},
          verdict(anchor.root_hash === head.root_hash, { yes: "same root", no: "different root" }),
          ` anchored in block ${anchor.block_number}`,
        );
  return section(
    "Latest signed tree head",
    facts([
      ["Entries", h("span", { id: "head-size" }, String(head.tree_size))],
      ["Root", hash(head.root_hash, { full: true })],
      ["Signed at", when(head.timestamp)],
      [
        "Encoding",
        verdict(checked.encodingOk, { yes: "ok", no: "does not match the fields" }),
      ],
      [
        "Ed25519 signature",
        h(
          "span",
          { id: "head-signature" },
          verdict(checked.signatureOk, { yes: "valid", no: "invalid", unknown: "not checked (no Ed25519 in this browser)" }),
        ),
      ],
      ["Record key", hash(head.public_key, { full: true })],
      ["On chain", anchored],
      ["Published", head.published ? "yes (stored by the ledger)" : "no: signed for this answer"],
    ]),
    h(
      "p",
      { class: "muted" },
      "The page checks every proof below against this head: its size and root, whose signature and encoding ",
      "were checked in this browser. Compare the record key with the one your consortium published.",
    ),
  );
}

function anchorsCard(anchors) {
  return section(
    "Anchored on chain",
    anchors.length === 0
      ? message("note", "No tree head is anchored on chain yet.")
      : table(
          "Tree heads anchored in RecordAnchor, oldest first",
          ["#", "entries", "root", "block", "time", "transaction"],
          anchors.map((a) =>
            h(
              "tr",
              { dataset: { size: String(a.tree_size) } },
              h("td", { class: "num" }, String(a.index)),
              h("td", { class: "num" }, String(a.tree_size)),
              h("td", {}, hash(a.root_hash)),
              h("td", { class: "num", dataset: { block: String(a.block_number) } }, String(a.block_number)),
              h("td", { class: "when" }, when(a.anchored_at)),
              h("td", {}, hash(a.tx_hash)),
            ),
          ),
          { id: "anchors" },
        ),
  );
}

async function showEntries(ctx, audit, head, area, start) {
  const first = Math.max(1, start);
  const last = Math.min(head.tree_size, first + PAGE_SIZE - 1);
  history.replaceState(null, "", ctx.link("record", first > 1 ? { from: first } : {}));
  area.setAttribute("aria-busy", "true");
  let items;
  try {
    ({ items } = await get(`${audit}/entries`, { from_seq: first, to_seq: last, limit: PAGE_SIZE }));
  } catch (error) {
    area.replaceChildren(message("error", `Reading the entries failed: ${error.line || error.message}`));
    return;
  }
  const move = (to) => async () => {
    await showEntries(ctx, audit, head, area, to);
    area.querySelector("h2")?.focus();
  };
  const rows = items.map((entry) => entryRow(ctx, audit, head, entry));
  const checkAll = h(
    "button",
    {
      type: "button",
      id: "check-page",
      on: {
        click: async () => {
          checkAll.disabled = true;
          for (const button of area.querySelectorAll("button.check-proof")) await button.onCheck();
          checkAll.disabled = false;
          const failed = area.querySelectorAll('tr[data-proof="failed"]').length;
          summary.replaceChildren(
            failed
              ? message("error", `${failed} of ${items.length} proofs on this page failed.`)
              : message("ok", `All ${items.length} proofs on this page check against the signed head.`),
          );
        },
      },
    },
    "Check every proof on this page",
  );
  const summary = h("div", { class: "check-summary", "aria-live": "polite" });
  const goTo = h("input", { id: "go-to", type: "number", min: "1", max: String(head.tree_size), inputmode: "numeric" });
  area.removeAttribute("aria-busy");
  area.replaceChildren(
    section(
      `Entries ${first}–${last} of ${head.tree_size}`,
      h(
        "div",
        { class: "toolbar" },
        h(
          "button",
          { type: "button", disabled: first === 1, on: { click: move(Math.max(1, first - PAGE_SIZE)) } },
          "‹ Earlier",
        ),
        h("button", { type: "button", disabled: last >= head.tree_size, on: { click: move(last + 1) } }, "Later ›"),
        h(
          "form",
          {
            class: "inline",
            on: {
              submit: (event) => {
                event.preventDefault();
                const to = Number(goTo.value);
                if (Number.isInteger(to) && to >= 1 && to <= head.tree_size) move(to)();
              },
            },
          },
          h("label", { for: "go-to" }, "From entry"),
          goTo,
          h("button", { type: "submit" }, "Go"),
        ),
        checkAll,
      ),
      summary,
      table(
        "Entries, each with its inclusion proof checked in this browser against the signed tree head",
        ["seq", "kind", "actor", "recorded at", "entry hash", "proof"],
        rows,
        { id: "entries" },
      ),
    ),
  );
  area.querySelector("h2").setAttribute("tabindex", "-1");
}

/** Who acted: a partner by its number and name where the actor names its address. */
function actor(ctx, text) {
  const named = /^([a-z]+):(0x[0-9a-fA-F]{40})$/.exec(text);
  if (!named) return text;
  const found = ctx.partners.find((p) => p.address.toLowerCase() === named[2].toLowerCase());
  return h("span", { title: text }, `${named[1]} `, found ? `#${found.number} ${found.name}` : short(named[2]));
}

function entryRow(ctx, audit, head, entry) {
  const result = h("div", { class: "proof-result proof-line" });
  const button = h(
    "button",
    { type: "button", class: "check-proof", "aria-label": `Check the proof of entry ${entry.seq}` },
    "Check proof",
  );
  const row = h(
    "tr",
    { dataset: { seq: String(entry.seq) } },
    h("td", { class: "num" }, String(entry.seq)),
    h(
      "th",
      { scope: "row" },
      h(
        "details",
        {},
        h("summary", {}, entry.kind),
        h("pre", { class: "payload" }, JSON.stringify(entry.payload ?? entry.payload_jcs, null, 2)),
      ),
    ),
    h("td", { class: "actor" }, actor(ctx, entry.actor)),
    h("td", {}, when(entry.recorded_at)),
    h("td", {}, hash(entry.entry_hash)),
    h("td", { class: "proof-cell" }, h("div", { class: "proof-line" }, button, result)),
  );
  button.onCheck = async () => {
    button.disabled = true;
    result.replaceChildren(h("span", { class: "muted" }, "checking…"));
    let outcome;
    try {
      const answer = await get(`${audit}/entries/${entry.seq}`, { tree_size: head.tree_size });
      outcome = await checkInclusion(answer, head);
    } catch (error) {
      const detail = error.line || error.message;
      outcome = { ok: false, reason: "unreadable", steps: [{ label: "reading the proof", ok: false, detail }] };
    }
    row.dataset.proof = outcome.ok ? "ok" : "failed";
    result.replaceChildren(
      verdict(outcome.ok, { yes: "proof ok", no: "proof failed" }),
      h(
        "details",
        { class: "steps" },
        h("summary", {}, outcome.ok ? "how" : `why: ${outcome.reason.replaceAll("_", " ")}`),
        h(
          "ol",
          {},
          outcome.steps.map((s) =>
            h(
              "li",
              { class: s.ok ? "step-ok" : "step-bad" },
              `${s.ok ? "✓" : "✗"} ${s.label}: `,
              h("code", { class: "hash-full" }, s.detail),
            ),
          ),
        ),
      ),
    );
    button.disabled = false;
  };
  button.addEventListener("click", () => button.onCheck());
  return row;
}
