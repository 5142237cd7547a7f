// The viewer: one image large, arrow keys to the next and previous, its details, and what
// may be done to it (describe, star, make private, share, trash or restore).

import { call, get } from "./api.js";
import { pictureOf } from "./grid.js";

function fact(list, term, value) {
  if (value === null || value === undefined || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = String(value);
  list.append(dt, dd);
}

function when(text) {
  if (!text) return "";
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
}

function size(bytes) {
  if (!bytes && bytes !== 0) return "";
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} kB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

export class Viewer {
  /** hooks: list() → images in grid order, changed(image), removed(id), status(text). */
  constructor(dialog, hooks) {
    this.dialog = dialog;
    this.hooks = hooks;
    this.$ = (id) => dialog.querySelector("#" + id);
    this.$("viewer-close").addEventListener("click", () => dialog.close());
    this.$("prev").addEventListener("click", () => this.step(-1));
    this.$("next").addEventListener("click", () => this.step(1));
    dialog.addEventListener("keydown", (event) => {
      const typing = event.target.closest("input, textarea, select");
      if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowLeft") this.step(-1);
      else if (event.key === "ArrowRight") this.step(1);
      else return;
      event.preventDefault();
    });
    this.$("edit").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save({ description: this.$("description").value, alt_text: this.$("alt_text").value })
        .then(() => { this.$("saved").textContent = "Saved."; });
    });
    this.$("star").addEventListener("click", () => this.save({ starred: !this.image.starred }));
    this.$("private").addEventListener("change", (e) => this.save({ private: e.target.checked }));
    this.$("trash").addEventListener("click", () => this.trash());
    this.$("restore").addEventListener("click", () => this.restore());
    this.$("share").addEventListener("click", () => this.share());
  }

  /** Show `image` (one of the grid's). */
  open(image) {
    this.show(image);
    if (!this.dialog.open) this.dialog.showModal();
    this.$("viewer-close").focus();
  }

  step(delta) {
    const list = this.hooks.list();
    const index = list.findIndex((i) => String(i.id) === String(this.image.id));
    const next = list[index + delta];
    if (next) this.show(next);
  }

  show(image) {
    this.image = image;
    const stage = this.dialog.querySelector(".stage");
    const img = pictureOf(image, { sizes: "(max-width: 50rem) 100vw, 70vw", lazy: false, holder: stage });
    img.id = "viewer-image";
    this.$("viewer-image").replaceWith(img);
    this.$("viewer-title").textContent = image.name || "Image";
    this.$("description").value = image.description || "";
    this.$("alt_text").value = image.alt_text || "";
    this.$("saved").textContent = "";
    this.$("share-url").hidden = true;
    this.$("share-note").textContent = "";
    this.$("trash").hidden = Boolean(image.trashed);
    this.$("restore").hidden = !image.trashed;
    this.showFlags(image);
    this.showFacts(image, null);
    const list = this.hooks.list();
    const index = list.findIndex((i) => String(i.id) === String(image.id));
    this.$("prev").disabled = index <= 0;
    this.$("next").disabled = index < 0 || index >= list.length - 1;
    get(`/v1/images/${encodeURIComponent(image.id)}`)
      .then((detail) => { if (this.image && String(this.image.id) === String(image.id)) this.showFacts(image, detail); })
      .catch(() => {});
  }

  showFlags(image) {
    const star = this.$("star");
    star.setAttribute("aria-pressed", image.starred ? "true" : "false");
    star.textContent = image.starred ? "★ Starred" : "☆ Star";
    this.$("private").checked = Boolean(image.private);
  }

  showFacts(image, detail) {
    const list = this.$("facts");
    list.replaceChildren();
    fact(list, "Album", image.album && image.album.name);
    fact(list, "Size", image.width && image.height ? `${image.width} × ${image.height}` : "");
    fact(list, "Format", (image.format || "").toUpperCase());
    fact(list, "Bytes", size(image.bytes));
    fact(list, "Uploaded", when(image.uploaded_at));
    fact(list, "Taken", when(image.taken_at));
    const exif = detail && detail.exif;
    if (exif) {
      fact(list, "Camera", [exif.camera_make, exif.camera_model].filter(Boolean).join(" "));
      fact(list, "Lens", exif.lens);
    }
    const gps = detail && detail.gps;
    if (gps) fact(list, "Place", `${Number(gps.lat).toFixed(5)}, ${Number(gps.lon).toFixed(5)}`);
  }

  async save(changes) {
    try {
      const image = await call("PATCH", `/v1/images/${encodeURIComponent(this.image.id)}`, changes);
      this.image = image;
      this.showFlags(image);
      this.hooks.changed(image);
    } catch (error) {
      this.hooks.status(`Not saved: ${error.message}`);
      throw error;
    }
  }

  async trash() {
    const image = this.image;
    await call("POST", `/v1/images/${encodeURIComponent(image.id)}/trash`);
    this.afterLeaving(image, `${image.name || "Image"} moved to the trash.`);
  }

  async restore() {
    const image = this.image;
    await call("POST", `/v1/images/${encodeURIComponent(image.id)}/restore`);
    this.afterLeaving(image, `${image.name || "Image"} restored.`);
  }

  afterLeaving(image, message) {
    const list = this.hooks.list();
    const index = list.findIndex((i) => String(i.id) === String(image.id));
    const next = list[index + 1] || list[index - 1];
    this.hooks.removed(image.id);
    this.hooks.status(message);
    if (next) this.show(next);
    else this.dialog.close();
  }

  async share() {
    const note = this.$("share-note");
    try {
      const expires_in = this.$("share-expires").value.trim() || "7d";
      const link = await call("POST", `/v1/images/${encodeURIComponent(this.image.id)}/share`, { expires_in });
      const field = this.$("share-url");
      field.value = link.url;
      field.hidden = false;
      field.select();
      const until = when(link.expires_at) || link.expires_at;
      try {
        await navigator.clipboard.writeText(link.url);
        note.textContent = `Link copied; it works until ${until}.`;
      } catch {
        note.textContent = `Copy the link above; it works until ${until}.`;
      }
    } catch (error) {
      note.textContent = `No link: ${error.message}`;
    }
  }
}
