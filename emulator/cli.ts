// Standalone emulator: `npm run emulator -- [--port N] [--host H]`.
import { startHubEmulator } from "./server.js";

function parseArgs(argv: string[]): { port: number; host: string; xet: boolean } {
  let port = 0;
  let host = "127.0.0.1";
  let xet = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") port = Number(value());
    else if (flag === "--host") host = value();
    else if (flag === "--xet") xet = true;
    else if (flag === "--help" || flag === "-h") {
      console.log("Usage: tsx emulator/cli.ts [--port N (default 0 = any free port)] [--host 127.0.0.1] [--xet (serve the Xet protocol)]");
      process.exit(0);
    } else {
      console.error(`Unknown argument: ${argv[i]}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("--port must be an integer between 0 and 65535");
    process.exit(2);
  }
  return { port, host, xet };
}

const { port, host, xet } = parseArgs(process.argv.slice(2));
const emulator = await startHubEmulator({ port, host, xet, log: (line) => console.log(line) });

console.log(`Hugging Face Hub emulator listening on ${emulator.url} (Xet ${xet ? "on" : "off: LFS only"})`);
console.log(`  bytes received per repo: GET ${emulator.url}/__emulator/stats`);
console.log(`  write token (tester, orgs: test-org): ${emulator.tokens.write}`);
console.log(`  read token  (tester):                 ${emulator.tokens.read}`);
console.log(`  write token (stranger):               ${emulator.tokens.strangerWrite}`);
console.log(`Example:\n  HF_ENDPOINT=${emulator.url} HF_TOKEN=${emulator.tokens.write} npm run demo`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping the emulator`);
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
