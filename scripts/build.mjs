// Bundles the TypeScript sources into dist/parley.js, the `parley` bin, and the browser page
// into dist/web/ (index.html and content-hashed assets the HTTP server serves).
// Runs from `prepare`, so `npm ci` leaves a working bin and page behind.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { build } from "esbuild";

const outfile = "dist/parley.js";
const serverBuild = build({
  entryPoints: ["src/cli.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  banner: { js: "#!/usr/bin/env node" },
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
