/**
 * The chat page's entry. Plain TypeScript and the DOM, no framework: the page is small, it
 * has no runtime dependency to ship or audit, and building nodes with createElement and
 * textContent keeps it within a strict Content-Security-Policy (no inline script or style,
 * no HTML parsed from strings) without a framework's escape hatches to watch.
 */
import { ChatPage } from "./chat-page.js";

new ChatPage().start();
