import type { ModeChange } from "../core/events.js";

/** Modes that take an argument when set, and when unset (RFC 2811 §4; a list letter, "b" "e" "I", without one lists it). */
const ARG_WHEN_SET = new Set(["o", "v", "k", "l", "b", "e", "I"]);
const ARG_WHEN_UNSET = new Set(["o", "v", "k", "b", "e", "I"]);

/**
 * Mode changes as IRC spells them, which the line protocol's /mode takes too: letters with
 * "+" and "-" ("+im-t"), then each argument in turn. A change whose argument is missing
 * comes without one (the core says what is wrong); `unused` counts arguments left over.
 */
export function parseModeChanges(letters: string, args: readonly string[]): { changes: ModeChange[]; unused: number } {
  const changes: ModeChange[] = [];
  let next = 0;
  let on = true;
  for (const letter of letters) {
    if (letter === "+" || letter === "-") {
      on = letter === "+";
      continue;
    }
    const takesArg = on ? ARG_WHEN_SET.has(letter) : ARG_WHEN_UNSET.has(letter);
    const arg = takesArg ? args[next++] : undefined;
    changes.push(arg === undefined ? { mode: letter, on } : { mode: letter, on, arg });
  }
  return { changes, unused: Math.max(0, args.length - next) };
}

/** Changes as one IRC mode string and its arguments: "+o-v", ["bob", "ann"]; `argOf` shows each argument. */
export function formatModeChanges(
  changes: readonly ModeChange[],
  argOf: (change: ModeChange) => string | undefined = (change) => change.arg,
): string[] {
  let letters = "";
  let sign = "";
  const args: string[] = [];
  for (const change of changes) {
    const wanted = change.on ? "+" : "-";
    if (wanted !== sign) {
      letters += wanted;
      sign = wanted;
    }
    letters += change.mode;
    const arg = argOf(change);
    if (arg !== undefined) args.push(arg);
  }
  return [letters, ...args];
}
