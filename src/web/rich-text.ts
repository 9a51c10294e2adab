import { toTerminalText } from "../text/terminal-text.js";

/**
 * User text as DOM nodes: text nodes only, and http(s) links as anchors. Never HTML: a
 * message, name or topic that holds markup shows the markup as characters.
 */

/**
 * User text as the page shows it: control characters and bidi overrides, embeddings and
 * isolates marked visibly, by the same rule as a terminal ("^[", "<U+202E>"), so that an
 * override cannot turn "gpj.exe" into "exe.jpg" here either, and ESC is not a blank box.
 */
export function shownText(text: string): string {
  return toTerminalText(text);
}

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/giu;
/** Punctuation that ends a sentence more often than a URL. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/u;

export function richText(userText: string): DocumentFragment {
  // Marked before links are found: a mark ("<U+202E>") ends a link, so no override hides in one.
  const text = shownText(userText);
  const fragment = document.createDocumentFragment();
  let shownUpTo = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index ?? 0;
    const candidate = match[0].replace(TRAILING_PUNCTUATION, "");
    const href = safeLink(candidate);
    if (href === null) continue;
    if (start > shownUpTo) fragment.append(document.createTextNode(text.slice(shownUpTo, start)));
    fragment.append(linkTo(href, candidate));
    shownUpTo = start + candidate.length;
  }
  if (shownUpTo < text.length) fragment.append(document.createTextNode(text.slice(shownUpTo)));
  return fragment;
}

/** The URL when it is http: or https: (never javascript:, data: or anything else); else null. */
export function safeLink(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

function linkTo(href: string, shown: string): HTMLAnchorElement {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = shown;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  return anchor;
}

/** A hue (0-359) for a name, the same in every session: a FNV-1a hash of its lower-case form. */
export function hueOfName(name: string): number {
  let hash = 0x811c9dc5;
  for (const character of name.toLowerCase()) {
    hash ^= character.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 360;
}
