// What the page shows, kept in its URL so a view can be bookmarked and reloaded: the filters
// of the search form and the view (the grid or the trash).

export const FILTERS = ["q", "space", "album", "format", "taken_from", "taken_to", "sort", "starred"];
export const DEFAULT_SORT = "position";

/** The view named by the current URL: {view: "grid"|"trash", q, space, ...}. */
export function read(location = window.location) {
  const params = new URLSearchParams(location.search);
  const state = { view: params.get("view") === "trash" ? "trash" : "grid" };
  for (const name of FILTERS) state[name] = params.get(name) || "";
  if (!state.sort) state.sort = DEFAULT_SORT;
  // Page size: not in the form, but kept from the URL (?limit=) for small screens and tests.
  const limit = Number(params.get("limit"));
  state.limit = Number.isInteger(limit) && limit >= 1 && limit <= 200 ? limit : 0;
  return state;
}

/** The URL of `state`, with defaults left out so the plain gallery stays at "/". */
export function urlOf(state) {
  const params = new URLSearchParams();
  if (state.view === "trash") params.set("view", "trash");
  for (const name of FILTERS) {
    const value = state[name];
    if (!value || (name === "sort" && value === DEFAULT_SORT)) continue;
    params.set(name, value);
  }
  if (state.limit) params.set("limit", String(state.limit));
  const text = params.toString();
  return "/" + (text ? "?" + text : "");
}

/** Put `state` in the address bar; a new history entry only when the view changes. */
export function write(state, { replace = true } = {}) {
  const url = urlOf(state);
  if (url === window.location.pathname + window.location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
}

/** Whether the view shows an album's whole order, so dragging may change it. */
export function showsAlbumOrder(state) {
  return (
    state.view === "grid" &&
    state.sort === DEFAULT_SORT &&
    !state.q && !state.format && !state.taken_from && !state.taken_to && !state.starred
  );
}
