// Pieces every page shows: money, hashes, partners, states, problems.

import { ApiError } from "./api.js";
import { badge, h, message } from "./dom.js";
import { ether, short } from "./format.js";

/** An amount: ether on the page, the exact wei in its title (and for screen readers). */
export function money(wei, ctx) {
  if (wei === null || wei === undefined) return "—";
  const unit = ctx?.project?.token ? "units" : "ETH";
  const exact = `${BigInt(wei).toString()} wei`;
  return h("span", { class: "money", title: exact, dataset: { wei: String(wei) } }, `${ether(wei)} ${unit}`);
}

/** A hash or address: shortened, or in full (it wraps on narrow screens); always in its title. */
export function hash(value, { full = false } = {}) {
  if (!value) return "—";
  return h("code", { class: full ? "hash hash-full" : "hash", title: value }, full ? value : short(value));
}

/** A partner by number or address: "#2 Hanse Optics GmbH" (its address in the title). */
export function partner(ctx, numberOrAddress) {
  const found =
    typeof numberOrAddress === "number"
      ? ctx.partners.find((p) => p.number === numberOrAddress)
      : ctx.partners.find((p) => p.address.toLowerCase() === String(numberOrAddress).toLowerCase());
  if (!found) return hash(String(numberOrAddress));
  return h("span", { class: "partner", title: found.address }, `#${found.number} ${found.name}`);
}

/** A state word as a badge. */
export function state(word) {
  return badge(word, word);
}

/** A yes/no check as a badge: "ok" or "failed" (or "not checked" for null). */
export function verdict(ok, { yes = "ok", no = "failed", unknown = "not checked" } = {}) {
  if (ok === null || ok === undefined) return badge(unknown, "unknown");
  return badge(ok ? yes : no, ok ? "ok" : "failed");
}

/** An error as a message block: a refusal says what the key may not read. */
export function problem(error, what = "this") {
  if (error instanceof ApiError) {
    if (error.status === 403) {
      return message("note", `Your key may not read ${what}: ${error.line}`);
    }
    return message("error", `Reading ${what} failed: ${error.line}`);
  }
  return message("error", `Reading ${what} failed: ${error.message}`);
}

/** The page's heading (focused after a move between pages, so it is announced). */
export function heading(text, ctx) {
  return h(
    "header",
    { class: "page-head" },
    h("h1", { tabindex: "-1" }, text),
    ctx?.project ? h("p", { class: "sub" }, `Project #${ctx.project.id} · ${ctx.project.title}`) : null,
  );
}
