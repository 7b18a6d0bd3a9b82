// ESM entry of talkie/webrtc (lib/webrtc.js).
import webrtc from './lib/webrtc.js';

export const { WhepEndpoint, playerPage } = webrtc;
export default webrtc;
