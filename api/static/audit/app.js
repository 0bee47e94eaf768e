// The audit view: sign in with an API key, pick a project, move between its pages.
// Routes live in the fragment (#/<project>/<page>?<options>); the key never does.

import { ApiError, every, get, session } from "./api.js";
import { h, message } from "./dom.js";
import * as disputes from "./pages/disputes.js";
import * as equity from "./pages/equity.js";
import * as licences from "./pages/licences.js";
import * as overview from "./pages/overview.js";
import * as payouts from "./pages/payouts.js";
import * as record from "./pages/record.js";
import * as verify from "./pages/verify.js";
import { heading, problem } from "./parts.js";

/** The pages, in the navigation's order, each with the action a key needs to read it. */
const PAGES = [
  { id: "overview", title: "Overview", action: "project.read", page: overview },
  { id: "equity", title: "Equity", action: "project.read", page: equity },
  { id: "payouts", title: "Payouts & claims", action: "project.read", page: payouts },
  { id: "licences", title: "Licences & revenue", action: "project.read", page: licences },
  { id: "disputes", title: "Disputes", action: "project.read", page: disputes },
  { id: "record", title: "Record", action: "audit.read", page: record },
  { id: "verify", title: "Verify", action: "audit.read", page: verify },
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const status = document.getElementById("status");

const state = { me: null, contexts: new Map(), rendering: 0, lastPage: null };

// ------------------------------------------------------------------ routes

function route() {
  const fragment = window.location.hash.replace(/^#/, "");
  const [path, query = ""] = fragment.split("?");
  const [, project, page] = path.split("/");
  const projectId = /^\d+$/.test(project || "") ? Number(project) : null;
  return { projectId, page: page || null, params: new URLSearchParams(query) };
}

/** The fragment of a page ("#/1/equity?milestone=2"). */
function link(projectId, page, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined));
  const text = query.toString();
  return `#/${projectId}/${page}${text ? `?${text}` : ""}`;
}

function can(action) {
  return Boolean(state.me?.actions?.includes(action));
}

// ------------------------------------------------------------------ signing in and out

function signIn(notice = null) {
  who.hidden = true;
  nav.hidden = true;
  const input = h("input", {
    id: "api-key",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "key-help key-error",
  });
  const error = h("p", { id: "key-error", class: "error", role: "alert" }, notice || "");
  const form = h(
    "form",
    { id: "key-form", class: "signin-form", method: "post", autocomplete: "off" },
    h("label", { for: "api-key" }, "API key"),
    input,
    h(
      "p",
      { id: "key-help", class: "help" },
      "It starts with ipl_. It is kept in this tab's session storage only (gone when the tab closes), " +
        "sent only in the Authorization header to this server, and never put in an address.",
    ),
    error,
    h("button", { type: "submit" }, "Open"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!/^ipl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/.test(key)) {
      error.textContent = "That is not an API key: a key reads ipl_, 12 hex characters, _ and 43 more characters.";
      input.focus();
      return;
    }
    try {
      state.me = await get("/v1/me", {}, key);
    } catch (failure) {
      error.textContent =
        failure instanceof ApiError && failure.status === 401
          ? "The server does not know this key, or it was revoked (401 Not authenticated)."
          : `The key could not be checked: ${failure instanceof ApiError ? failure.line : failure.message}`;
      input.focus();
      return;
    }
    session.key = key;
    input.value = "";
    render();
  });
  main.replaceChildren(
    h(
      "section",
      { class: "signin card" },
      heading("Audit a project"),
      h(
        "p",
        {},
        "Give the API key you were handed (an arbiter's, a partner's, an admin's…). " +
          "The view shows what that key may read, and nothing else.",
      ),
      form,
    ),
  );
  input.focus();
}

function signOut() {
  session.clear();
  state.me = null;
  state.contexts.clear();
  history.replaceState(null, "", window.location.pathname);
  signIn();
  announce("Signed out: the key is removed from this tab.");
}

function showWho(projectId) {
  const me = state.me;
  const scope = me.project_id ? `project #${me.project_id}` : "every project";
  const parts = [h("span", { class: "who-name" }, h("strong", {}, me.role), ` · ${me.name} · ${scope}`)];
  if (!me.project_id && projectId !== null) {
    parts.push(h("a", { href: "#/", class: "button-link" }, "All projects"));
  }
  parts.push(h("button", { type: "button", class: "quiet", on: { click: signOut } }, "Sign out"));
  who.replaceChildren(...parts);
  who.hidden = false;
}

function showNav(projectId, current) {
  const allowed = PAGES.filter((p) => can(p.action));
  nav.replaceChildren(
    h(
      "ul",
      {},
      allowed.map((p) =>
        h(
          "li",
          {},
          h("a", { href: link(projectId, p.id), "aria-current": p.id === current ? "page" : null }, p.title),
        ),
      ),
    ),
  );
  nav.hidden = allowed.length === 0;
}

function announce(text) {
  status.textContent = text;
}

// ------------------------------------------------------------------ projects

/** The project and its partners, read once per project while the key is in use. */
function context(projectId) {
  if (!state.contexts.has(projectId)) {
    const loading = (async () => {
      const [project, partners] = await Promise.all([
        get(`/v1/projects/${projectId}`),
        every(`/v1/projects/${projectId}/partners`),
      ]);
      return { project, partners, me: state.me, can, link: (page, params) => link(projectId, page, params) };
    })();
    loading.catch(() => state.contexts.delete(projectId));
    state.contexts.set(projectId, loading);
  }
  return state.contexts.get(projectId);
}

async function pickProject() {
  nav.hidden = true;
  if (state.me.project_id) {
    window.location.replace(link(state.me.project_id, "overview"));
    return;
  }
  const projects = await every("/v1/projects");
  if (projects.length === 1) {
    window.location.replace(link(projects[0].id, "overview"));
    return;
  }
  main.replaceChildren(
    h(
      "section",
      { class: "card" },
      heading("Projects"),
      projects.length === 0
        ? message("note", "There is no project yet.")
        : h(
            "ul",
            { class: "project-list" },
            projects.map((p) =>
              h(
                "li",
                {},
                h("a", { href: link(p.id, "overview") }, `#${p.id} ${p.title}`),
                ` · host ${p.host_jurisdiction} · ${p.state}`,
              ),
            ),
          ),
    ),
  );
}

// ------------------------------------------------------------------ rendering

async function render() {
  const token = ++state.rendering;
  if (!session.key) {
    signIn();
    return;
  }
  try {
    if (!state.me) state.me = await get("/v1/me");
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) {
      session.clear();
      state.me = null;
      signIn("The server no longer accepts the key of this tab (401): give it again, or another one.");
      return;
    }
    main.replaceChildren(problem(failure, "who this key belongs to"));
    return;
  }
  const { projectId, page: pageId, params } = route();
  showWho(projectId);
  if (!can("project.read") && !can("audit.read")) {
    nav.hidden = true;
    main.replaceChildren(
      h(
        "section",
        { class: "card" },
        heading("Nothing to audit with this key"),
        message(
          "note",
          `A key of the role ${state.me.role} reads no project (it has neither project.read nor audit.read). ` +
            "Sign out and give an arbiter's, a partner's or an admin's key.",
        ),
      ),
    );
    return;
  }
  if (projectId === null) {
    try {
      await pickProject();
    } catch (failure) {
      main.replaceChildren(problem(failure, "the projects"));
    }
    return;
  }
  const allowed = PAGES.filter((p) => can(p.action));
  const entry = PAGES.find((p) => p.id === pageId) || allowed[0];
  showNav(projectId, entry.id);
  if (!can(entry.action)) {
    main.replaceChildren(
      h(
        "section",
        { class: "card" },
        heading(entry.title),
        message(
          "note",
          `This page needs the action ${entry.action}, which the role ${state.me.role} does not have: ` +
            "the API would refuse every read on it (403).",
        ),
      ),
    );
    return;
  }
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(h("p", { class: "loading" }, `Loading ${entry.title.toLowerCase()}…`));
  let node;
  try {
    const ctx = await context(projectId);
    node = await entry.page.render(ctx, params);
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) {
      session.clear();
      state.me = null;
      signIn("The server no longer accepts the key of this tab (401): give it again, or another one.");
      return;
    }
    node = h("section", { class: "card" }, heading(entry.title), problem(failure, `project #${projectId}`));
  }
  if (token !== state.rendering) return; // a later move won
  main.removeAttribute("aria-busy");
  main.replaceChildren(node);
  document.title = `${entry.title} · ipledger audit view`;
  if (state.lastPage !== null && state.lastPage !== entry.id) main.querySelector("h1")?.focus();
  state.lastPage = entry.id;
  announce(`${entry.title} loaded.`);
}

document.getElementById("skip").addEventListener("click", (event) => {
  event.preventDefault(); // the fragment holds the route: move the focus instead
  (main.querySelector("h1") || main).focus();
});
window.addEventListener("hashchange", render);
render();
