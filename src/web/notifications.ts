import { element } from "./dom.js";

/** The Alerts button: browsers only ask for permission on a gesture, and this is it. */
export function wireNotificationButton(): void {
  const button = element<HTMLButtonElement>("notify");
  if (!("Notification" in window)) {
    button.hidden = true;
    return;
  }
  const show = () => {
    button.classList.toggle("on", Notification.permission === "granted");
    button.setAttribute("aria-pressed", String(Notification.permission === "granted"));
  };
  show();
  button.addEventListener("click", () => {
    void Notification.requestPermission().then(show);
  });
}

/** A desktop notification, when the person allowed them; `tag` keeps one per conversation. */
export function notifyDesktop(title: string, body: string, tag: string, onClick: () => void): void {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const notification = new Notification(title, { body, tag });
  notification.addEventListener("click", () => {
    window.focus();
    onClick();
  });
}
