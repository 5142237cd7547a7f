// The upload dialog: files dropped or picked, each sent in its own request with its own
// progress bar, an overall bar for the batch, and darkroom's reason for each refusal.

import { call, upload } from "./api.js";

const AT_ONCE = 2; // requests in flight: enough to overlap, few enough for a small server
const NEW_ALBUM = "new:";

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export class Uploader {
  /** hooks: albums() → [{album, spaceName}], uploaded(image), created(album), done(). */
  constructor(dialog, hooks) {
    this.dialog = dialog;
    this.hooks = hooks;
    this.select = dialog.querySelector("#upload-album");
    this.newRow = dialog.querySelector("#new-album-row");
    this.newName = dialog.querySelector("#new-album-name");
    this.list = dialog.querySelector("#upload-list");
    this.overall = dialog.querySelector("#overall");
    this.input = dialog.querySelector("#files");
    const drop = dialog.querySelector("#drop");
    this.select.addEventListener("change", () => this.toggleNewAlbum());
    this.input.addEventListener("change", () => {
      this.send([...this.input.files]);
      this.input.value = "";
    });
    drop.addEventListener("click", (event) => {
      if (event.target !== this.input) this.input.click();
    });
    drop.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.input.click();
      }
    });
    for (const name of ["dragenter", "dragover"]) {
      drop.addEventListener(name, (event) => {
        event.preventDefault();
        drop.classList.add("over");
      });
    }
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      this.send([...event.dataTransfer.files]);
    });
  }

  /** Open the dialog with the albums the caller may upload to. */
  open(preferred) {
    const previous = preferred || this.select.value;
    this.select.replaceChildren();
    const groups = new Map();
    for (const { album, spaceName, spaceId } of this.hooks.albums()) {
      if (!groups.has(spaceId)) {
        const group = document.createElement("optgroup");
        group.label = spaceName;
        groups.set(spaceId, group);
      }
      groups.get(spaceId).append(new Option(album.name, String(album.id)));
    }
    for (const [spaceId, group] of groups) {
      group.append(new Option("New album…", NEW_ALBUM + spaceId));
      this.select.append(group);
    }
    for (const { id, name } of this.hooks.spaces()) {
      if (!groups.has(id)) {
        const group = document.createElement("optgroup");
        group.label = name;
        group.append(new Option("New album…", NEW_ALBUM + id));
        this.select.append(group);
      }
    }
    if ([...this.select.options].some((o) => o.value === previous)) this.select.value = previous;
    this.toggleNewAlbum();
    this.dialog.showModal();
  }

  toggleNewAlbum() {
    const isNew = this.select.value.startsWith(NEW_ALBUM);
    this.newRow.hidden = !isNew;
    if (isNew && !this.newName.value) this.newName.value = "Uploads";
  }

  /** The album to upload into, made first when the reader asked for a new one. */
  async target() {
    const value = this.select.value;
    if (!value.startsWith(NEW_ALBUM)) return value;
    const space = value.slice(NEW_ALBUM.length);
    const name = this.newName.value.trim() || "Uploads";
    const album = await call("POST", `/v1/spaces/${encodeURIComponent(space)}/albums`, { name });
    this.hooks.created(album);
    return String(album.id);
  }

  rowOf(file) {
    const row = document.createElement("li");
    row.className = "upload";
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = `${file.name} (${formatBytes(file.size)})`;
    const bar = document.createElement("progress");
    bar.max = Math.max(file.size, 1);
    bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${file.name}`);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "Waiting";
    row.append(name, bar, state);
    this.list.append(row);
    return { row, bar, state };
  }

  /** Upload `files`, AT_ONCE at a time, into the chosen album. */
  async send(files) {
    if (!files.length) return;
    let album;
    try {
      album = await this.target();
    } catch (error) {
      this.hooks.status(`No album to upload into: ${error.message}`);
      return;
    }
    const jobs = files.map((file) => ({ file, loaded: 0, ...this.rowOf(file) }));
    const total = jobs.reduce((sum, job) => sum + Math.max(job.file.size, 1), 0);
    const batch = { jobs, total };
    this.overall.max = total;
    this.overall.value = 0;
    const progress = () => {
      this.overall.value = batch.jobs.reduce((sum, job) => sum + job.loaded, 0);
    };
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        job.state.textContent = "Uploading";
        job.row.classList.add("busy");
        try {
          const image = await upload(album, job.file, (loaded) => {
            job.loaded = loaded;
            job.bar.value = loaded;
            progress();
          });
          job.row.classList.replace("busy", "done");
          job.state.textContent = "Uploaded";
          this.hooks.uploaded(image);
        } catch (error) {
          job.loaded = Math.max(job.file.size, 1);
          job.bar.value = job.bar.max;
          job.row.classList.replace("busy", "refused");
          job.state.textContent = `Refused: ${error.message}`;
        }
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, jobs.length) }, worker));
    const refused = jobs.filter((j) => j.row.classList.contains("refused")).length;
    this.hooks.status(
      `${jobs.length - refused} uploaded` + (refused ? `, ${refused} refused` : "") + ".",
    );
    this.hooks.done();
  }
}
