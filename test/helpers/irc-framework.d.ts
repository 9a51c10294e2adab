// irc-framework ships no types: this declares the part of its client the tests use.
declare module "irc-framework" {
  export interface ClientOptions {
    host?: string;
    port?: number;
    nick?: string;
    username?: string;
    gecos?: string;
    password?: string;
    auto_reconnect?: boolean;
    enable_echomessage?: boolean;
    ping_interval?: number;
    ping_timeout?: number;
    /** SASL PLAIN credentials, sent when the server offers sasl. */
    account?: { account: string; password: string };
  }

  /** Every parsed event the client emits, with its name: "registered", "privmsg", "join", ... */
  export interface CommandHandler {
    on(event: "all", listener: (name: string, event: Record<string, unknown>) => void): void;
  }

  export class Client {
    constructor(options?: ClientOptions);
    readonly user: { nick: string };
    readonly network: { cap: { enabled: string[] } };
    readonly command_handler: CommandHandler;
    connect(options?: ClientOptions): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    requestCap(cap: string | string[]): void;
    raw(...words: string[]): void;
    say(target: string, message: string): void;
    /** CTCP ACTION: what /me sends. */
    action(target: string, message: string): void;
    notice(target: string, message: string): void;
    join(channel: string, key?: string): void;
    part(channel: string, message?: string): void;
    setTopic(channel: string, topic: string): void;
    changeNick(nick: string): void;
    quit(message?: string): void;
  }
}
