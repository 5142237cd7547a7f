// The grid: thumbnails grouped by album, a page at a time by cursor as the reader scrolls,
// with drag (or Alt+Arrow) to reorder an ordered album.

import { call, get, query } from "./api.js";
import { showsAlbumOrder } from "./state.js";
import { dataUrl } from "./thumbhash.js";

const PAGE = 50;
const SIZES = "(max-width: 30rem) 50vw, (max-width: 60rem) 25vw, 15rem";
let firstThumbnail = false;

/** The srcset attribute of an image's variants ("url 200w, url 400w, ..."). */
export function srcsetOf(image) {
  return (image.urls.srcset || []).map((v) => `${v.url} ${v.width}w`).join(", ");
}

/** An <img> of `image` that shows its placeholder until the picture itself has loaded. */
export function pictureOf(image, { sizes = SIZES, lazy = true, holder = null } = {}) {
  const img = document.createElement("img");
  img.alt = image.alt_text || image.name || "";
  if (image.width && image.height) {
    img.width = image.width;
    img.height = image.height;
  }
  if (lazy) img.loading = "lazy";
  img.decoding = "async";
  const placeholder = dataUrl(image.placeholder);
  const frame = holder || img;
  if (placeholder) {
    frame.style.backgroundImage = `url("${placeholder}")`;
    frame.classList.add("placeholder");
  }
  img.addEventListener("load", () => {
    frame.classList.remove("placeholder");
    frame.style.backgroundImage = "";
    img.classList.add("loaded");
    if (!firstThumbnail) {
      firstThumbnail = true;
      performance.mark("darkroom:first-thumbnail");
    }
  }, { once: true });
  img.sizes = sizes;
  img.srcset = srcsetOf(image);
  img.src = image.urls.thumbnail;
  return img;
}

export class Grid {
  /**
   * root: where album sections go; more: the element whose appearance loads the next page.
   * hooks: open(image), status(text), albumOf(id) → Album|undefined, spaceName(id) → text,
   * albumUrl(id) → the URL of the album alone, count(shown, more) after each page,
   * ready() → a promise of the albums being known,
   * restore(image) for the trash view, changed() after the grid's contents changed.
   */
  constructor(root, more, empty, hooks) {
    this.root = root;
    this.more = more;
    this.empty = empty;
    this.hooks = hooks;
    this.items = [];
    this.cursor = null;
    this.loading = null;
    this.generation = 0;
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.loadMore();
    }, { rootMargin: "600px 0px" });
    this.observer.observe(more);
  }

  /** Empty the grid and load the first page of `state`'s view. */
  async show(state) {
    this.state = state;
    this.generation++;
    this.items = [];
    this.cursor = undefined; // undefined: not loaded yet; null: no more pages
    this.loading = null;
    this.root.replaceChildren();
    delete this.root.dataset.complete;
    this.empty.hidden = true;
    this.root.classList.toggle("reorderable", showsAlbumOrder(state));
    await this.loadMore();
  }

  params(cursor) {
    const s = this.state;
    return query({
      space: s.space, album: s.album, q: s.q, format: s.format, taken_from: s.taken_from,
      taken_to: s.taken_to, starred: s.starred ? "true" : "", sort: s.sort,
      trashed: s.view === "trash" ? "true" : "false", limit: s.limit || PAGE, cursor,
    });
  }

  /** Load the next page, if any, unless one is on its way already. */
  loadMore() {
    if (this.loading || this.cursor === null || !this.state) return this.loading;
    const generation = this.generation;
    this.root.setAttribute("aria-busy", "true");
    const listed = get("/v1/images" + this.params(this.cursor || undefined));
    // Tiles need their albums (is it ordered?): wait for those too, fetched at the same time.
    this.loading = Promise.all([listed, this.hooks.ready()])
      .then(([page]) => {
        if (generation !== this.generation) return;
        for (const image of page.items) this.append(image);
        this.cursor = page.next_cursor || null;
        this.root.dataset.complete = this.cursor === null ? "true" : "false";
        this.empty.hidden = this.items.length > 0;
        this.hooks.count(this.items.length, this.cursor !== null);
        this.hooks.changed();
      })
      .catch((error) => {
        if (generation === this.generation) this.hooks.status(error.message);
      })
      .finally(() => {
        if (generation !== this.generation) return;
        this.loading = null;
        this.root.removeAttribute("aria-busy");
        // Still in sight after this page (a tall screen): keep going.
        if (this.cursor && this.more.getBoundingClientRect().top < innerHeight + 600) {
          this.loadMore();
        }
      });
    return this.loading;
  }

  sectionFor(image) {
    const id = String(image.album.id);
    let section = this.root.querySelector(`section[data-album="${CSS.escape(id)}"]`);
    if (section) return section.querySelector("ul");
    const album = this.hooks.albumOf(id);
    section = document.createElement("section");
    section.className = "album";
    section.dataset.album = id;
    const headingId = `album-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    section.setAttribute("aria-labelledby", headingId);
    const heading = document.createElement("h3");
    heading.id = headingId;
    const link = document.createElement("a");
    link.className = "album-link";
    link.href = this.hooks.albumUrl(id);
    link.dataset.album = id;
    link.textContent = image.album.name || "Album";
    heading.append(link);
    const space = document.createElement("span");
    space.className = "space-name";
    space.textContent = this.hooks.spaceName(image.space);
    heading.append(" ", space);
    const list = document.createElement("ul");
    list.className = "tiles";
    list.dataset.ordered = album && album.ordered ? "true" : "false";
    section.append(heading, list);
    this.root.append(section);
    return list;
  }

  tileOf(image) {
    const item = document.createElement("li");
    item.className = "tile";
    item.dataset.id = String(image.id);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open";
    open.setAttribute("aria-label", `Open ${image.name || "image"}`);
    open.append(pictureOf(image, { holder: open }));
    if (image.starred) item.classList.add("starred");
    if (image.private) item.classList.add("private");
    open.addEventListener("click", () => this.hooks.open(this.find(image.id)));
    item.append(open);
    const badges = document.createElement("span");
    badges.className = "badges";
    badges.textContent = (image.starred ? "★" : "") + (image.private ? " 🔒" : "");
    badges.setAttribute("aria-hidden", "true");
    item.append(badges);
    if (this.state.view === "trash") {
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "restore";
      restore.textContent = "Restore";
      restore.setAttribute("aria-label", `Restore ${image.name || "image"}`);
      restore.addEventListener("click", () => this.hooks.restore(this.find(image.id)));
      item.append(restore);
    } else if (this.reorderable(image)) {
      this.makeMovable(item, open);
    }
    return item;
  }

  reorderable(image) {
    const album = this.hooks.albumOf(String(image.album.id));
    return showsAlbumOrder(this.state) && Boolean(album && album.ordered);
  }

  append(image) {
    this.items.push(image);
    this.sectionFor(image).append(this.tileOf(image));
  }

  find(id) {
    return this.items.find((i) => String(i.id) === String(id));
  }

  /** The images in the order the grid shows them (album by album). */
  ordered() {
    const ids = [...this.root.querySelectorAll("li.tile")].map((li) => li.dataset.id);
    return ids.map((id) => this.find(id)).filter(Boolean);
  }

  /** Show `image` as darkroom now has it (after an edit). */
  update(image) {
    const index = this.items.findIndex((i) => String(i.id) === String(image.id));
    if (index < 0) return;
    this.items[index] = image;
    const old = this.root.querySelector(`li.tile[data-id="${CSS.escape(String(image.id))}"]`);
    if (old) old.replaceWith(this.tileOf(image));
  }

  /** Take `image` out of the grid (trashed, restored or deleted). */
  remove(id) {
    this.items = this.items.filter((i) => String(i.id) !== String(id));
    const tile = this.root.querySelector(`li.tile[data-id="${CSS.escape(String(id))}"]`);
    if (!tile) return;
    const list = tile.parentElement;
    tile.remove();
    if (!list.children.length) list.parentElement.remove();
    this.empty.hidden = this.items.length > 0;
    this.hooks.count(this.items.length, Boolean(this.cursor));
  }

  makeMovable(item, handle) {
    item.draggable = true;
    item.classList.add("movable");
    handle.setAttribute("aria-keyshortcuts", "Alt+ArrowLeft Alt+ArrowRight");
    item.addEventListener("dragstart", (event) => {
      this.dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.id);
    });
    item.addEventListener("dragend", () => {
      item.classList.remove("dragging");
      this.dragged = null;
    });
    item.addEventListener("dragover", (event) => {
      if (this.dragged && this.dragged !== item && this.dragged.parentElement === item.parentElement) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
      }
    });
    item.addEventListener("drop", (event) => {
      const moved = this.dragged;
      if (!moved || moved === item || moved.parentElement !== item.parentElement) return;
      event.preventDefault();
      const siblings = [...item.parentElement.children];
      const after = siblings.indexOf(moved) < siblings.indexOf(item);
      item.parentElement.insertBefore(moved, after ? item.nextSibling : item);
      this.saveOrder(item.parentElement, moved);
    });
    handle.addEventListener("keydown", (event) => {
      if (!event.altKey || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
      event.preventDefault();
      const list = item.parentElement;
      if (event.key === "ArrowLeft" && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (event.key === "ArrowRight" && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      } else {
        return;
      }
      handle.focus();
      this.saveOrder(list, item);
    });
  }

  /** Send the album's order as the grid now shows it; darkroom keeps the rest after it. */
  async saveOrder(list, moved) {
    const album = list.parentElement.dataset.album;
    const ids = [...list.children].map((li) => li.dataset.id);
    const position = ids.indexOf(moved.dataset.id) + 1;
    const name = this.find(moved.dataset.id)?.name || "image";
    try {
      await call("PUT", `/v1/albums/${encodeURIComponent(album)}/order`, {
        image_ids: ids.map((id) => (/^\d+$/.test(id) ? Number(id) : id)),
      });
      list.dataset.saved = ids.join(",");
      this.hooks.status(`Moved ${name} to position ${position}; order saved.`);
    } catch (error) {
      this.hooks.status(`The order was not saved: ${error.message}`);
      await this.show(this.state);
    }
  }
}
