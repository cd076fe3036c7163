// What bin/viv.js takes before the session: starting the guest runner, and loading the session's
// one script. One module in the bundle (dist/session/start.js), so that both come in one import.
export { spawnRunner } from './guest/spawn.ts';
export { loadSession } from './session-script.ts';
