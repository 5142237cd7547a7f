// ThumbHash placeholders, decoded in the browser: an image's placeholder (base64, a few dozen
// bytes computed at ingest) becomes a tiny blurred picture shown while the real one loads.
// Written from the published format: a header with the mean colour and the scales, then 4-bit
// DCT coefficients for lightness (L), two colour channels (P, Q) and, if present, alpha.

function bytesOf(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The RGBA pixels of a ThumbHash: {width, height, rgba} with at most 32 px a side. */
export function decode(hash) {
  const h = typeof hash === "string" ? bytesOf(hash) : hash;
  if (h.length < 5) throw new Error("a ThumbHash has at least 5 bytes");
  const header24 = h[0] | (h[1] << 8) | (h[2] << 16);
  const header16 = h[3] | (h[4] << 8);
  const lDc = (header24 & 63) / 63;
  const pDc = ((header24 >> 6) & 63) / 31.5 - 1;
  const qDc = ((header24 >> 12) & 63) / 31.5 - 1;
  const lScale = ((header24 >> 18) & 31) / 31;
  const hasAlpha = header24 >> 23;
  const pScale = ((header16 >> 3) & 63) / 63;
  const qScale = ((header16 >> 9) & 63) / 63;
  const landscape = header16 >> 15;
  const lx = Math.max(3, landscape ? (hasAlpha ? 5 : 7) : header16 & 7);
  const ly = Math.max(3, landscape ? header16 & 7 : hasAlpha ? 5 : 7);
  const aDc = hasAlpha ? (h[5] & 15) / 15 : 1;
  const aScale = (h[5] >> 4) / 15;

  // The AC coefficients follow the header as nibbles, low nibble first.
  const start = hasAlpha ? 6 : 5;
  let nibble = 0;
  const channel = (nx, ny, scale) => {
    const ac = [];
    for (let cy = 0; cy < ny; cy++) {
      for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
        const byte = h[start + (nibble >> 1)] ?? 0;
        const value = (byte >> ((nibble & 1) << 2)) & 15;
        ac.push((value / 7.5 - 1) * scale);
        nibble++;
      }
    }
    return ac;
  };
  const lAc = channel(lx, ly, lScale);
  const pAc = channel(3, 3, pScale * 1.25);
  const qAc = channel(3, 3, qScale * 1.25);
  const aAc = hasAlpha ? channel(5, 5, aScale) : [];

  const ratio = lx / ly;
  const width = Math.round(ratio > 1 ? 32 : 32 * ratio);
  const height = Math.round(ratio > 1 ? 32 / ratio : 32);
  const rgba = new Uint8ClampedArray(width * height * 4);
  const cxMax = Math.max(lx, hasAlpha ? 5 : 3);
  const cyMax = Math.max(ly, hasAlpha ? 5 : 3);
  const fx = new Float64Array(cxMax);
  const fy = new Float64Array(cyMax);

  for (let y = 0, i = 0; y < height; y++) {
    for (let cy = 0; cy < cyMax; cy++) fy[cy] = Math.cos((Math.PI / height) * (y + 0.5) * cy);
    for (let x = 0; x < width; x++, i += 4) {
      for (let cx = 0; cx < cxMax; cx++) fx[cx] = Math.cos((Math.PI / width) * (x + 0.5) * cx);
      let l = lDc, p = pDc, q = qDc, a = aDc;
      for (let cy = 0, j = 0; cy < ly; cy++) {
        const fy2 = fy[cy] * 2;
        for (let cx = cy ? 0 : 1; cx * ly < lx * (ly - cy); cx++, j++) l += lAc[j] * fx[cx] * fy2;
      }
      for (let cy = 0, j = 0; cy < 3; cy++) {
        for (let cx = cy ? 0 : 1; cx < 3 - cy; cx++, j++) {
          const f = fx[cx] * fy[cy] * 2;
          p += pAc[j] * f;
          q += qAc[j] * f;
        }
      }
      if (hasAlpha) {
        for (let cy = 0, j = 0; cy < 5; cy++) {
          for (let cx = cy ? 0 : 1; cx < 5 - cy; cx++, j++) a += aAc[j] * fx[cx] * fy[cy] * 2;
        }
      }
      const b = l - (2 / 3) * p;
      const r = (3 * l - b + q) / 2;
      const g = r - q;
      rgba[i] = 255 * Math.min(1, r);
      rgba[i + 1] = 255 * Math.min(1, g);
      rgba[i + 2] = 255 * Math.min(1, b);
      rgba[i + 3] = 255 * Math.min(1, a);
    }
  }
  return { width, height, rgba };
}

const cache = new Map();

/** A data: URL (PNG) of the placeholder, or "" when it cannot be decoded. */
export function dataUrl(hash) {
  if (!hash) return "";
  if (cache.has(hash)) return cache.get(hash);
  let url = "";
  try {
    const { width, height, rgba } = decode(hash);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
    url = canvas.toDataURL("image/png");
  } catch {
    url = ""; // a placeholder is a nicety: without one the tile keeps its plain background
  }
  cache.set(hash, url);
  return url;
}
