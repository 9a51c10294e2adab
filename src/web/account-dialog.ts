import { element } from "./dom.js";

export type AccountAction = "nick" | "login" | "register" | "logout";

/**
 * The small dialog behind the name button: set a name, register it, log in or out. It hands
 * what was chosen to `onChoice` and forgets the password field at once.
 */
export function wireAccountDialog(
  currentName: () => string,
  onChoice: (action: AccountAction, name: string, password: string) => void,
): void {
  const dialog = element<HTMLDialogElement>("account-dialog");
  const name = element<HTMLInputElement>("account-name");
  const password = element<HTMLInputElement>("account-password");
  element("open-account").addEventListener("click", () => {
    name.value = currentName();
    password.value = "";
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    const action = dialog.returnValue;
    const secret = password.value;
    password.value = "";
    if (action === "nick" || action === "login" || action === "register" || action === "logout") {
      onChoice(action, name.value.trim(), secret);
    }
  });
}
