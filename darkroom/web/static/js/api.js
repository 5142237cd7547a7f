// darkroom's own API (/v1), as the gallery uses it: JSON both ways, the session cookie, and
// the CSRF token (the darkroom_csrf cookie echoed in X-CSRF-Token) on every unsafe method.

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An answer darkroom refused, with its code and the sentence it gave. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The CSRF token the session set in its cookie ("" before logging in). */
export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "darkroom_csrf") return decodeURIComponent(rest.join("="));
  }
  return "";
}

function headersFor(method, json) {
  const headers = { Accept: "application/json" };
  if (json) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  return headers;
}

/** darkroom's refusal as an ApiError, from its JSON body or, failing that, its status. */
export function errorOf(status, text) {
  try {
    const body = JSON.parse(text);
    if (body && body.error) return new ApiError(status, body.error.code, body.error.message);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(status, "http_" + status, `darkroom answered ${status}`);
}

/** `method path` with an optional JSON body; the parsed answer, or null for 204. */
export async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headersFor(method, body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 204) return null;
  const text = await response.text();
  if (!response.ok) throw errorOf(response.status, text);
  return text ? JSON.parse(text) : null;
}

export const get = (path) => call("GET", path);

/** A query string from an object, leaving out empty values; arrays repeat their key. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null && one !== "") search.append(key, String(one));
    }
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/**
 * Upload one file to an album, one request per file so each has its own progress.
 * onProgress(loaded, total) follows the request body; resolves to the Image, rejects with
 * darkroom's ApiError (too big, not an image, duplicate...).
 */
export function upload(albumId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/v1/albums/${encodeURIComponent(albumId)}/images`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.onprogress = (event) => {
      // The request body is the file plus multipart framing: report the file's share.
      if (event.lengthComputable) onProgress(Math.floor((file.size * event.loaded) / event.total), file.size);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve(JSON.parse(xhr.responseText));
      } else {
        reject(errorOf(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "the upload did not reach darkroom"));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
