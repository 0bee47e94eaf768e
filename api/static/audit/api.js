// The API over fetch. The key lives in this tab's sessionStorage and travels only in the
// Authorization header of same-origin requests: never in a URL, a cookie or local storage.

const KEY = "ipledger.apiKey";

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set key(value) {
    sessionStorage.setItem(KEY, value);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

/** An answer of 400 or more, with its problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(`${status} ${problem.title || ""}: ${problem.detail || ""}`);
    this.status = status;
    this.problem = problem;
  }

  /** One line for people: what the API said, and why where it says why. */
  get line() {
    const { title, detail, rule, action } = this.problem;
    const why = rule ? ` (rule: ${rule}${action ? `, action ${action}` : ""})` : "";
    return `${this.status} ${title || "error"}: ${detail || "no detail"}${why}`;
  }
}

/** A path of this server with its query (values left out when null or undefined). */
function url(path, params = {}) {
  const target = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) target.searchParams.set(name, String(value));
  }
  return target;
}

/** GET a path of the API with the session's key; the decoded JSON, or an ApiError. */
export async function get(path, params = {}, key = session.key) {
  let response;
  try {
    response = await fetch(url(path, params), {
      headers: { Authorization: `Bearer ${key}`, Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch (error) {
    throw new ApiError(0, { title: "No answer", detail: `the server did not answer (${error.message})` });
  }
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText || "error", detail: "the answer is not a problem document" };
    }
    throw new ApiError(response.status, problem);
  }
  return response.json();
}

/** Every item of a paged list (following next_cursor), up to `most` items. */
export async function every(path, params = {}, most = 2000) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path, { ...params, limit: 200, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < most);
  return items;
}

/** The answer, or `fallback(error)` for a refusal (403) or absence (404) of this read. */
export async function optional(promise, fallback = () => null) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return fallback(error);
    throw error;
  }
}
