// Bundles the TypeScript sources into dist/parley.js, the `parley` bin, and the browser page
// into dist/web/ (index.html and content-hashed assets the HTTP server serves).
// Runs from `prepare`, so `npm ci` leaves a working bin and page behind.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { build } from "esbuild";

const outfile = "dist/parley.js";
// How the bin runs, in one place: `npm start`, the tests' and the benchmarks' servers run the
// bin itself. V8 grows its young generation to 16 MiB a half after a burst of allocations
// that survive (ten thousand users arriving) and never shrinks it, which at 10,000 idle
// connections is 3 to 4 KiB of each one's memory; capped at 2 MiB, fan-out costs the same
// CPU per delivery and registrations cost less (measured with `npm run bench`).
const NODE_FLAGS = "--max-semi-space-size=2";
const serverBuild = build({
  entryPoints: ["src/cli.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  banner: { js: `#!/usr/bin/env -S node ${NODE_FLAGS}` },
  logLevel: "warning",
});

const webDir = "dist/web";
const assetsDir = `${webDir}/assets`;
// Old hashed files would be served forever beside the new ones: start from an empty directory.
rmSync(webDir, { recursive: true, force: true });
mkdirSync(assetsDir, { recursive: true });
const page = await build({
  entryPoints: ["src/web/main.ts", "src/web/style.css"],
  outdir: assetsDir,
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  bundle: true,
  platform: "browser",
  target: "es2022",
  format: "esm",
  minify: true,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const outputs = Object.keys(page.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => name.endsWith(".js"));
const styles = outputs.find((name) => name.endsWith(".css"));
if (script === undefined || styles === undefined) throw new Error(`the page's build made ${outputs.join(", ")}`);
const html = readFileSync("src/web/index.html", "utf8")
  .replace("{{js}}", `/assets/${script}`)
  .replace("{{css}}", `/assets/${styles}`);
writeFileSync(`${webDir}/index.html`, html);

await serverBuild;
chmodSync(outfile, 0o755);
