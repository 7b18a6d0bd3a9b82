// ESM entry of the talkie package (the implementation is CommonJS: lib/index.js).
import talkie from './lib/index.js';

export const { Context, Session, render, devices, version, ENCODERS, STATES } = talkie;
export default talkie;
