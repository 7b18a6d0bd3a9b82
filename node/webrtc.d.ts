// Types of talkie/webrtc (lib/webrtc.js). Needs the werift package.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from './index';

export interface WhepOptions {
  /** Default '/whep'. */
  path?: string;
  /** Default ['127.0.0.1'] (a loopback candidate). */
  iceAdditionalHostAddresses?: string[];
  iceServers?: { urls: string; username?: string; credential?: string }[];
}

export interface Viewer {
  readonly id: string;
  readonly keyframeRequests: number;
  readonly packetsSent: number;
  readonly accessUnitsSent: number;
  close(): void;
}

export class WhepEndpoint extends EventEmitter {
  constructor(session: Session, options?: WhepOptions);
  readonly viewers: Map<string, Viewer>;
  answer(offerSdp: string): Promise<{ id: string; sdp: string }>;
  /** Resolves false for a request that is not its own. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
}

/** A minimal HTML page that plays a WHEP endpoint. */
export function playerPage(options?: { whepPath?: string; title?: string }): string;
