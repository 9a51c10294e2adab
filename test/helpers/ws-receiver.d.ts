import type { Writable } from "node:stream";

declare module "ws" {
  /** `ws`'s frame parser (lib/receiver.js), which ours is checked against: the package exports it, its types do not. */
  export class Receiver extends Writable {
    constructor(options?: {
      isServer?: boolean;
      maxPayload?: number;
      allowSynchronousEvents?: boolean;
      skipUTF8Validation?: boolean;
    });
  }
}
