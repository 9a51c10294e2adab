/**
 * One server per database: a lock file beside it, held for as long as the store is open.
 *
 * The lock is SQLite's own exclusive lock on a tiny database of its own (`parley.db.lock`),
 * so it is an operating-system lock that dies with the process: a server killed with
 * kill -9 leaves the file behind, but not the lock, and the next start is not blocked.
 * (A pid file could name a process that has since been given the same pid, as a container's
 * first process always is.) The same file remembers whether the last run closed the
 * database cleanly, which is what decides if start-up must read the whole file to check it.
 */
import Database from "better-sqlite3";

export class DatabaseLock {
  readonly file: string;
  readonly #db: Database.Database;
  /** How the run before this one ended: "unknown" when none left a lock file. */
  readonly lastRun: "closed-cleanly" | "unclean" | "unknown";

  /** Takes the lock for `databaseFile`; throws SQLite's SQLITE_BUSY error when another process holds it. */
  static acquire(databaseFile: string): DatabaseLock {
    const file = `${databaseFile}.lock`;
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      // No waiting: a lock held now is held by a running server, and it will not let go.
      db.pragma("busy_timeout = 0");
      // In exclusive locking mode the first write's lock is kept until the connection closes.
      db.pragma("locking_mode = EXCLUSIVE");
      db.exec(`CREATE TABLE IF NOT EXISTS last_run (
        only_row        INTEGER PRIMARY KEY CHECK (only_row = 1),
        closed_cleanly  INTEGER NOT NULL
      )`);
      const closedCleanly = db.prepare<[], number>("SELECT closed_cleanly FROM last_run").pluck().get();
      db.exec("INSERT OR REPLACE INTO last_run (only_row, closed_cleanly) VALUES (1, 0)");
      const lastRun = closedCleanly === undefined ? "unknown" : closedCleanly === 1 ? "closed-cleanly" : "unclean";
      return new DatabaseLock(file, db, lastRun);
    } catch (error) {
      db?.close();
      throw error;
    }
  }

  private constructor(file: string, db: Database.Database, lastRun: DatabaseLock["lastRun"]) {
    this.file = file;
    this.#db = db;
    this.lastRun = lastRun;
  }

  /** Lets go; `closedCleanly` tells the next run it need not check the database. */
  release(closedCleanly: boolean): void {
    if (!this.#db.open) return;
    try {
      if (closedCleanly) this.#db.exec("UPDATE last_run SET closed_cleanly = 1");
    } catch {
      // No room to say so (a full disk): the next start checks the file, which is only slower.
    } finally {
      this.#db.close();
    }
  }
}
