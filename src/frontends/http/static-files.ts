import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";

/** One file of the page, read and compressed once at start. */
export interface StaticFile {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly identity: Encoded;
  readonly gzip: Encoded | null;
  readonly br: Encoded | null;
}

/** One representation of a file: its bytes and their ETag (RFC 9110 §8.8.3: one per representation). */
export interface Encoded {
  readonly bytes: Buffer;
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Text compresses; images and fonts already are. */
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".map", ".webmanifest", ".svg", ".txt"]);

/** Names under /assets/ carry a hash of their content: a new build is a new name, so they never go stale. */
const ASSETS_PREFIX = "/assets/";
const IMMUTABLE = "public, max-age=31536000, immutable";
/** The page itself is checked on every load (a 304 while unchanged), so a new build is picked up at once. */
const REVALIDATE = "no-cache";

/** The built page, by URL path ("/", "/assets/app-3f2a.js"); empty when the page is not built. */
export class StaticFiles {
  readonly #files: ReadonlyMap<string, StaticFile>;
  /** Whether the page is built (its index.html exists). */
  readonly isBuilt: boolean;

  private constructor(files: Map<string, StaticFile>) {
    this.#files = files;
    this.isBuilt = files.has("/");
  }

  /** Every file under `root`, in memory; nothing is read from the disk after this. */
  static load(root: string): StaticFiles {
    const files = new Map<string, StaticFile>();
    if (!existsSync(root)) return new StaticFiles(files);
    for (const path of filesUnder(root)) {
      const urlPath = `/${relative(root, path).split(sep).join("/")}`;
      const file = staticFile(urlPath, readFileSync(path));
      files.set(urlPath, file);
      if (urlPath === "/index.html") files.set("/", file);
    }
    return new StaticFiles(files);
  }

  find(urlPath: string): StaticFile | undefined {
    return this.#files.get(urlPath);
  }
}

function* filesUnder(directory: string): Generator<string> {
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

function staticFile(urlPath: string, bytes: Buffer): StaticFile {
  const extension = extname(urlPath).toLowerCase();
  const hash = createHash("sha256").update(bytes).digest("base64url").slice(0, 22);
  const encoded = (suffix: string, data: Buffer): Encoded => ({ bytes: data, etag: `"${hash}${suffix}"` });
  const isCompressible = COMPRESSIBLE.has(extension);
  const smaller = (suffix: string, data: Buffer): Encoded | null =>
    data.length < bytes.length ? encoded(suffix, data) : null;
  return {
    contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
    cacheControl: urlPath.startsWith(ASSETS_PREFIX) ? IMMUTABLE : REVALIDATE,
    identity: encoded("", bytes),
    gzip: isCompressible ? smaller("-gz", gzipSync(bytes, { level: 9 })) : null,
    br: isCompressible
      ? smaller("-br", brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }))
      : null,
  };
}

/**
 * The package's own directory: the nearest one above this module holding Parley's
 * package.json. This module runs bundled in dist/parley.js, or from src/ in development.
 */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "parley") return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error("cannot find Parley's package directory");
    directory = parent;
  }
}

/** Where `npm run build` puts the page. */
export function builtPageDirectory(): string {
  return join(packageRoot(), "dist", "web");
}
