// Building the page: elements from data, never from HTML strings (names, reasons and
// payloads come from the record and are shown as text).

/**
 * An element: h("td", {class: "num", title: "…"}, "text", otherNode, [more, nodes]).
 * Attributes set to null, undefined or false are left out; `on` maps events to handlers.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** A table in a scrolling wrapper (wide tables scroll on their own, not the page). */
export function table(caption, head, rows, attrs = {}, foot = null) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      attrs,
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head.map((cell) => (cell instanceof Node ? cell : h("th", { scope: "col" }, cell))))),
      h("tbody", {}, rows),
      foot ? h("tfoot", {}, foot) : null,
    ),
  );
}

/** A section of a page with its heading. */
export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

/** A term–description list from [term, description] pairs. */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(Boolean).map(([term, description]) => [h("dt", {}, term), h("dd", {}, description)]),
  );
}

/** A state shown as a badge (its class carries the colour; the word carries the meaning). */
export function badge(text, kind = text) {
  return h("span", { class: `badge badge-${String(kind).replace(/[^a-z0-9_-]/gi, "")}` }, text);
}

/** A message block: note, error or ok. */
export function message(kind, ...children) {
  return h("div", { class: `message message-${kind}`, role: kind === "error" ? "alert" : null }, ...children);
}
