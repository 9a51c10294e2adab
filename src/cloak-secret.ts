import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ServerConfig } from "./config.js";

const SECRET_FILE = "cloak.key";
const SECRET_BYTES = 32;

/**
 * The key host cloaks are made with. Kept in the data directory (readable by the server's
 * user alone), so a user's cloak, and a ban on it, outlives a restart; without history the
 * data directory is not used, and each run makes its own.
 */
export function cloakSecretIn(config: ServerConfig): Buffer {
  if (!config.history) return randomBytes(SECRET_BYTES);
  const file = path.join(config.dataDir, SECRET_FILE);
  try {
    const kept = fs.readFileSync(file);
    if (kept.length >= SECRET_BYTES) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(SECRET_BYTES);
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
