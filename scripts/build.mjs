// Bundles the TypeScript sources into dist/parley.js, the `parley` bin.
// Runs from `prepare`, so `npm ci` leaves a working bin behind.
import { chmodSync } from "node:fs";
import { build } from "esbuild";

const outfile = "dist/parley.js";
await build({
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
chmodSync(outfile, 0o755);
