/**
 * The chat page's entry. Plain TypeScript and the DOM, no framework: the page is small, it
 * has no runtime dependency to ship or audit, and building nodes with createElement and
 * textContent keeps it within a strict Content-Security-Policy (no inline script or style,
 * no HTML parsed from strings) without a framework's escape hatches to watch.
 */
import { ChatPage } from "./chat-page.js";

// The script runs: what index.html says when it does not is no longer true, unless the styles
// failed (then the page is unusable as it stands and a reload is still the advice).
const styles = document.querySelector<HTMLLinkElement>('link[rel="stylesheet"]');
if (styles?.sheet) document.getElementById("load-problem")?.remove();
new ChatPage().start();
