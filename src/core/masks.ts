/**
 * IRC glob masks for bans and invite or exception lists (RFC 2812 §2.5): "*" matches any
 * run of characters, "?" exactly one. A "\" before "*", "?" or "\" makes it literal; before
 * anything else it is itself literal, so a nickname with a backslash ("foo\bar", valid by
 * RFC 2812 §2.3.1) is matched as written. Case is folded by the casemapping the caller
 * passes, so the same code serves "ascii", "rfc1459" or a Unicode mapping.
 */

/** Folds a nickname, user name or host for comparison, e.g. ASCII lowercasing. */
export type FoldCase = (text: string) => string;

type MaskUnit = { kind: "literal"; text: string } | { kind: "one" } | { kind: "any" };

/** A mask parsed once and matched many times (a ban list is checked on every JOIN). */
export class CompiledMask {
  readonly #units: readonly MaskUnit[];
  readonly #fold: FoldCase;

  constructor(
    readonly mask: string,
    fold: FoldCase,
  ) {
    this.#fold = fold;
    this.#units = compileUnits(mask, fold);
  }

  /** Whether `subject` (e.g. "nick!user@host") matches, compared after folding. */
  matches(subject: string): boolean {
    return matchUnits(this.#units, Array.from(this.#fold(subject)));
  }
}

export function matchesMask(mask: string, subject: string, fold: FoldCase): boolean {
  return new CompiledMask(mask, fold).matches(subject);
}

function compileUnits(mask: string, fold: FoldCase): MaskUnit[] {
  const units: MaskUnit[] = [];
  let literal = "";
  const endLiteral = (): void => {
    for (const character of fold(literal)) units.push({ kind: "literal", text: character });
    literal = "";
  };
  for (let i = 0; i < mask.length; i++) {
    const character = mask[i] as string;
    const next = mask[i + 1];
    if (character === "\\" && (next === "*" || next === "?" || next === "\\")) {
      literal += next;
      i++;
    } else if (character === "*" || character === "?") {
      endLiteral();
      // Runs of "*" match what one does; collapsing them keeps matching linear in practice.
      if (character === "?") units.push({ kind: "one" });
      else if (units.at(-1)?.kind !== "any") units.push({ kind: "any" });
    } else {
      literal += character;
    }
  }
  endLiteral();
  return units;
}

/**
 * Greedy matching with one backtrack point, the last "*": on a mismatch the "*" takes one
 * more character. Each step either advances the subject or moves the backtrack point, so it
 * is O(mask × subject) at worst and never recursive.
 */
function matchUnits(units: readonly MaskUnit[], subject: readonly string[]): boolean {
  let unit = 0;
  let at = 0;
  let starUnit = -1;
  let starAt = 0;
  while (at < subject.length) {
    const current = units[unit];
    if (
      current !== undefined &&
      (current.kind === "one" || (current.kind === "literal" && current.text === subject[at]))
    ) {
      unit++;
      at++;
    } else if (current?.kind === "any") {
      starUnit = unit;
      starAt = at;
      unit++;
    } else if (starUnit !== -1) {
      unit = starUnit + 1;
      starAt++;
      at = starAt;
    } else {
      return false;
    }
  }
  while (units[unit]?.kind === "any") unit++;
  return unit === units.length;
}

/**
 * Completes a partial mask to "nick!user@host", each missing or empty part "*", as
 * ircds do for MODE +b: "nick" is a nickname, "user@host" and "*@host" lack the nickname,
 * "nick!user" lacks the host, and a bare word with "." or ":" is a host or address (no
 * nickname may hold either; RFC 2812 §2.3.1).
 */
export function normaliseMask(mask: string): string {
  const at = mask.indexOf("@");
  let bang = mask.indexOf("!");
  if (at !== -1 && bang > at) bang = -1;
  let nick: string;
  let user: string;
  let host: string;
  if (at !== -1) {
    host = mask.slice(at + 1);
    nick = bang === -1 ? "" : mask.slice(0, bang);
    user = mask.slice(bang + 1, at);
  } else if (bang !== -1) {
    nick = mask.slice(0, bang);
    user = mask.slice(bang + 1);
    host = "";
  } else if (mask.includes(".") || mask.includes(":")) {
    nick = "";
    user = "";
    host = mask;
  } else {
    nick = mask;
    user = "";
    host = "";
  }
  return `${nick || "*"}!${user || "*"}@${host || "*"}`;
}

/**
 * The longest list mask, in bytes. A user's mask is a name (32 at most), a user name and an
 * address or cloak, well under this; four such masks fit one IRC MODE line with room to
 * spare, and one fits a ban-list line with who set it and when.
 */
export const MAX_MASK_BYTES = 80;

/** Most masks a room keeps on each list (bans, ban exceptions, invite exceptions): each is matched on every join. */
export const MAX_ROOM_LIST_MASKS = 100;

/** A room's list mask, compiled once: masks compare without case, as names do (see names.ts). */
export function compileRoomMask(mask: string): CompiledMask {
  return new CompiledMask(mask, foldRoomMask);
}

export function foldRoomMask(text: string): string {
  return text.toLowerCase();
}
