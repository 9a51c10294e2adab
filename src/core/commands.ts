/** What a front end asks the core to do on a user's behalf, already parsed and bounded. */
export type Command =
  | { readonly kind: "say"; readonly room: string; readonly text: string; readonly isAction: boolean }
  | { readonly kind: "direct"; readonly to: string; readonly text: string; readonly isAction: boolean }
  | { readonly kind: "nick"; readonly name: string }
  /** `replay`: past messages to show; negative for the server's default. */
  | { readonly kind: "join"; readonly room: string; readonly replay: number }
  | { readonly kind: "part"; readonly room: string; readonly reason: string }
  | { readonly kind: "rooms" }
  | { readonly kind: "who"; readonly room: string }
  | { readonly kind: "topic"; readonly room: string; readonly topic: string | null }
  | { readonly kind: "quit"; readonly reason: string }
  | { readonly kind: "register"; readonly password: string }
  | { readonly kind: "login"; readonly name: string; readonly password: string }
  | { readonly kind: "logout" }
  | { readonly kind: "history"; readonly where: string; readonly limit: number }
  | { readonly kind: "search"; readonly query: string };

export type CommandKind = Command["kind"];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
