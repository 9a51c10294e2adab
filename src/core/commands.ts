/** What a front end asks the core to do on a user's behalf, already parsed and bounded. */
export type Command =
  | { readonly kind: "join"; readonly room: string }
  | { readonly kind: "say"; readonly room: string; readonly text: string };
