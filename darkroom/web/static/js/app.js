// The gallery's entry point: who is logged in, the spaces and albums they may see, and the
// wiring between the search form (kept in the URL), the grid, the viewer and the uploads.

import { ApiError, call, get, query } from "./api.js";
import { Grid } from "./grid.js";
import * as url from "./state.js";
import { Uploader } from "./upload.js";
import { Viewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text; };

const known = { spaces: [], albums: new Map(), ready: Promise.resolve() };
let state = url.read();

function spaceName(id) {
  return known.spaces.find((s) => s.id === id)?.name || id;
}

async function loadSpaces() {
  const spaces = await get("/v1/spaces");
  known.spaces = spaces.items;
  known.albums.clear();
  await Promise.all(known.spaces.map(async (space) => {
    try {
      const albums = await get(`/v1/spaces/${encodeURIComponent(space.id)}/albums`);
      for (const album of albums.items) known.albums.set(String(album.id), album);
    } catch {
      // a space whose albums cannot be listed simply offers none
    }
  }));
  const select = $("space");
  select.replaceChildren(new Option("All spaces", ""));
  for (const space of known.spaces) select.append(new Option(space.name, space.id));
  select.value = state.space;
}

const grid = new Grid($("albums"), $("more"), $("empty"), {
  open: (image) => viewer.open(image),
  status,
  albumOf: (id) => known.albums.get(String(id)),
  ready: () => known.ready.catch(() => {}),
  spaceName,
  albumUrl: (id) => url.urlOf({ ...state, album: String(id) }),
  restore: async (image) => {
    await call("POST", `/v1/images/${encodeURIComponent(image.id)}/restore`);
    grid.remove(image.id);
    status(`${image.name || "Image"} restored.`);
  },
  changed: () => {},
  count: (shown, more) => {
    $("count").textContent = `${shown}${more ? "+" : ""} image${shown === 1 && !more ? "" : "s"}`;
  },
});

const viewer = new Viewer($("viewer"), {
  list: () => grid.ordered(),
  changed: (image) => grid.update(image),
  removed: (id) => grid.remove(id),
  status,
});

const uploader = new Uploader($("upload-dialog"), {
  albums: () => [...known.albums.values()].map((album) => ({
    album, spaceId: album.space, spaceName: spaceName(album.space),
  })),
  spaces: () => known.spaces,
  created: (album) => known.albums.set(String(album.id), album),
  uploaded: () => {},
  done: () => { if (state.view === "grid") grid.show(state); },
  status,
});

/** Fill the search form from `state`. */
function fillForm() {
  for (const name of url.FILTERS) {
    const field = $(name);
    if (!field) continue; // the album is chosen by its heading's link, not in the form
    if (field.type === "checkbox") field.checked = state[name] === "true";
    else field.value = state[name];
  }
  if (!$("sort").value) $("sort").value = url.DEFAULT_SORT;
}

/** The view the search form asks for. */
function fromForm() {
  const next = { view: state.view, limit: state.limit };
  for (const name of url.FILTERS) {
    const field = $(name);
    if (!field) next[name] = state[name];
    else next[name] = field.type === "checkbox" ? (field.checked ? "true" : "") : field.value.trim();
  }
  return next;
}

function render() {
  const trash = state.view === "trash";
  $("gallery-title").textContent = trash ? "Trash" : "Images";
  $("empty-trash").hidden = !trash;
  $("trash-link").textContent = trash ? "Back to images" : "Trash";
  $("trash-link").href = trash ? url.urlOf({ ...state, view: "grid" }) : url.urlOf({ ...state, view: "trash" });
  $("reorder-hint").hidden = !url.showsAlbumOrder(state);
  const album = state.album && known.albums.get(state.album);
  $("all-albums").hidden = !state.album;
  $("all-albums").href = url.urlOf({ ...state, album: "" });
  if (album) $("gallery-title").textContent = `${trash ? "Trash: " : ""}${album.name}`;
  else if (state.album) {
    known.ready.then(() => {
      const named = known.albums.get(state.album);
      if (named) $("gallery-title").textContent = `${trash ? "Trash: " : ""}${named.name}`;
    });
  }
  document.title = trash ? "Trash · darkroom" : state.q ? `“${state.q}” · darkroom` : "darkroom";
  return grid.show(state);
}

let typing;
$("filters").addEventListener("input", (event) => {
  clearTimeout(typing);
  // Typing in the box waits for a pause; the other fields apply at once.
  const wait = event.target.id === "q" ? 250 : 0;
  typing = setTimeout(() => {
    state = fromForm();
    url.write(state);
    render();
  }, wait);
});
$("filters").addEventListener("submit", (event) => event.preventDefault());

/** Follow a link to another view of the gallery without reloading the page. */
function go(next) {
  state = next;
  url.write(state, { replace: false });
  fillForm();
  render();
}
$("trash-link").addEventListener("click", (event) => {
  event.preventDefault();
  go({ ...state, view: state.view === "trash" ? "grid" : "trash" });
});
$("all-albums").addEventListener("click", (event) => {
  event.preventDefault();
  go({ ...state, album: "" });
});
$("albums").addEventListener("click", (event) => {
  const link = event.target.closest("a.album-link");
  if (!link) return;
  event.preventDefault();
  go({ ...state, album: link.dataset.album });
});
window.addEventListener("popstate", () => {
  state = url.read();
  fillForm();
  render();
});

$("empty-trash").addEventListener("click", async () => {
  if (!confirm("Delete every image in the trash for good?")) return;
  try {
    // Without a space, darkroom empties every space's trash the caller may change.
    await call("DELETE", "/v1/trash" + query({ space: state.space }));
    status("The trash is empty.");
  } catch (error) {
    status(`The trash was not emptied: ${error.message}`);
  }
  render();
});

$("open-upload").addEventListener("click", () => uploader.open());
$("logout").addEventListener("click", async () => {
  try { await call("DELETE", "/v1/session"); } catch { /* gone already */ }
  showLogin();
});

function showLogin(message = "") {
  $("login").hidden = false;
  $("gallery").hidden = true;
  $("filters").hidden = true;
  $("actions").hidden = true;
  $("login-error").textContent = message;
  $("login-form").querySelector("input").focus();
}

async function showGallery(me) {
  $("login").hidden = true;
  $("gallery").hidden = false;
  $("filters").hidden = false;
  $("actions").hidden = false;
  $("who").textContent = me.username;
  fillForm();
  // The first page of images is asked for alongside the spaces and albums, not after them.
  known.ready = loadSpaces();
  await render();
  performance.mark("darkroom:first-page");
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const answer = await call("POST", "/v1/session", {
      username: form.get("username"), password: form.get("password"),
    });
    event.target.reset();
    await showGallery(answer.user);
  } catch (error) {
    showLogin(error.status === 401 ? "Wrong user name or password." : error.message);
  }
});

async function start() {
  try {
    await showGallery(await get("/v1/me"));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) showLogin();
    else showLogin(`darkroom did not answer: ${error.message}`);
  }
}

start();
