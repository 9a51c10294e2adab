import type { SocketState } from "./chat-socket.js";
import { element } from "./dom.js";

const WAITING_WORDS = {
  offline: { text: "Offline", hint: "" },
  flood: {
    text: "Cut off for sending too fast",
    hint: "The server closed the connection because this page sent too much too quickly.",
  },
  refused: {
    text: "The server refused the connection",
    hint: "The server turned this page's connection away several times: it may not accept this site's address (its allowed origins), or it may be full. Reloading or asking the server's operator may help.",
  },
} as const;

/** The connection's state at the top of the page, counting down to the next try while offline. */
export class ConnectionStatus {
  readonly #status = element<HTMLSpanElement>("status");
  readonly #reconnect = element<HTMLButtonElement>("reconnect");
  readonly #app = element<HTMLDivElement>("app");
  #timer = 0;

  constructor(onReconnect: () => void) {
    this.#reconnect.addEventListener("click", onReconnect);
  }

  show(state: SocketState): void {
    window.clearInterval(this.#timer);
    const status = this.#status;
    status.className = `status ${state.kind}`;
    status.title = "";
    this.#app.classList.toggle("offline", state.kind !== "online");
    this.#reconnect.hidden = state.kind !== "closed" && state.kind !== "waiting";
    switch (state.kind) {
      case "connecting":
        status.textContent = "Connecting…";
        return;
      case "online":
        status.textContent = "Online";
        return;
      case "closed":
        status.textContent = "Disconnected";
        return;
      case "waiting": {
        const what = WAITING_WORDS[state.why ?? "offline"];
        status.title = what.hint;
        const tick = () => {
          const seconds = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
          status.textContent = `${what.text}, retrying in ${seconds} s`;
        };
        tick();
        this.#timer = window.setInterval(tick, 1000);
        return;
      }
    }
  }
}
