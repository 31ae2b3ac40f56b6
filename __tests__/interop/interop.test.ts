/**
 * The action against Python's own `datasets` and `huggingface_hub` (pinned in
 * requirements-interop.txt, installed in .venv-interop/ by scripts/interop-setup.sh), with the
 * emulator as the Hub of both. One test file, so that a machine without the Python reference
 * skips it with one line. CONTRIBUTING.md says how to enable it.
 */
import { describe } from "vitest";
import { interopOrSkip } from "./lib/python.js";
import { clientsSuite } from "./suites/clients.js";
import { corpusSuite } from "./suites/corpus.js";
import { mediaSuite } from "./suites/media.js";
import { deviationsSuite } from "./suites/deviations.js";
import { roundTripSuite } from "./suites/round-trip.js";
import { slicesSuite } from "./suites/slices.js";

const interop = interopOrSkip();

describe.skipIf(!interop.ok)("interop with Python's datasets", () => {
  clientsSuite(interop);
  corpusSuite(interop);
  roundTripSuite(interop);
  mediaSuite(interop);
  deviationsSuite(interop);
  slicesSuite(interop);
});
